"""theory.validation: the integer-array validator and the scalar-result helper shared by
theory.overestimation and theory.max_estimators."""

import numpy as np
import pytest

from theory.validation import check_integer_array, float_or_array


class TestCheckIntegerArray:
    def test_int_and_int_array_become_float64(self):
        out = check_integer_array(3, "m", minimum=1)
        assert out.shape == () and out.dtype == np.float64 and float(out) == 3.0
        arr = check_integer_array(np.array([[2, 5], [7, 9]], dtype=np.int32), "m", minimum=2)
        assert arr.dtype == np.float64 and arr.tolist() == [[2.0, 5.0], [7.0, 9.0]]

    def test_python_ints_beyond_int64_are_rounded_like_float(self):
        # float(int) is correctly rounded (IEEE 754), the independent reference here
        big = [2**64 + 1, 10**300]
        assert check_integer_array(big[0], "m", minimum=2) == float(2**64)
        out = check_integer_array(np.array(big, dtype=object), "m", minimum=2)
        assert out.tolist() == [float(2**64 + 1), 1e300]

    @pytest.mark.parametrize("bad, kind, match", [
        (True, TypeError, "`m` must be an integer, got bool"),
        (2.0, TypeError, "`m` must be an integer"),
        (np.array([2.0, 3.0]), TypeError, "pass integers"),
        (np.array([2.5]), TypeError, "`m` must be an integer"),
        (np.array([True, False]), TypeError, "`m`"),
        (np.array([], dtype=int), ValueError, "`m` must not be empty"),
        (1, ValueError, r"`m` must be >= 2 \(got minimum 1\)"),
        (np.array([3, 1]), ValueError, r"`m` must be >= 2 \(got minimum 1\)"),
        (2**1024, ValueError, "largest double"),
    ])
    def test_bad_input_names_the_argument(self, bad, kind, match):
        with pytest.raises(kind, match=match):
            check_integer_array(bad, "m", minimum=2)

    def test_the_minimum_is_inclusive(self):
        assert float(check_integer_array(2, "m", minimum=2)) == 2.0


def test_float_or_array():
    out = float_or_array(np.float64(0.5))
    assert type(out) is float and out == 0.5
    assert type(float_or_array(np.array(1.5))) is float
    arr = np.array([1.0, 2.0])
    assert float_or_array(arr) is arr
