"""A user's claims and derivations outside the package: ``--claims FILE_OR_MODULE`` for verify,
list, derive and show, id clashes, plugins that fail, worker processes, ``pytest_claims``, and
the chain fields of ``@claim``."""

import importlib.metadata
import sys
import textwrap

import pytest

import proofs_check
from experiments import cli, registry, user
from proofs_check import core

USER_CLAIMS = '''
import sympy as sp
from experiments import Evidence, claim
from proofs_check import Derivation, Step, derivation

x = sp.Symbol("x", positive=True)

@derivation("userpaper2024/log-bound")
def log_bound():
    return Derivation("userpaper2024/log-bound", "log x <= x - 1", "User paper, Lemma 2",
                      [Step("bound", sp.log(x), x - 1, "<=")])

@claim("userpaper2024/exact", statement="2 + 2 = 4.", source="User paper, eq. (1)", kinds=("exact",),
       derivation="userpaper2024/log-bound")
def exact(ctx):
    return Evidence.close(4, 2 + 2, atol=0, reason="integer arithmetic is exact")

@claim("userpaper2024/wrong", statement="2 + 2 = 5.", source="User paper, eq. (2)", kinds=("exact",))
def wrong(ctx):
    return Evidence.close(5, 2 + 2, atol=0, reason="integer arithmetic is exact")
'''


@pytest.fixture
def isolated(monkeypatch):
    """Whatever a test registers or loads is forgotten afterwards (ganac's own ids stay)."""
    registry.load_all()
    proofs_check.load_all()
    claims, ders, loaded = dict(registry._REGISTRY), dict(core._REGISTRY), dict(user._LOADED)
    modules = set(sys.modules)
    yield
    for store, saved in ((registry._REGISTRY, claims), (core._REGISTRY, ders), (user._LOADED, loaded)):
        store.clear()
        store.update(saved)
    for name in set(sys.modules) - modules:
        if name.startswith("_ganac_user_") or name.startswith("userpkg"):
            del sys.modules[name]


def _write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_a_file_loads_under_a_private_name_without_touching_sys_path(isolated, tmp_path):
    path = _write(tmp_path, "claims.py", USER_CLAIMS)
    before = list(sys.path)
    got = user.load_source(str(path))
    assert sys.path == before  # the user's folder is never put on the import path
    assert got.module == user.module_name_for(path) and got.module.startswith("_ganac_user_")
    assert got.claims == ("userpaper2024/exact", "userpaper2024/wrong")
    assert got.derivations == ("userpaper2024/log-bound",)
    assert user.load_source(str(path)) is got  # idempotent: same module, nothing registered twice
    other = tmp_path / "sub"
    other.mkdir()
    assert user.module_name_for(_write(other, "claims.py", "")) != got.module  # unique per path


def test_verify_runs_user_and_builtin_claims_and_only_selects_in_both(isolated, tmp_path, capsys):
    path = _write(tmp_path, "claims.py", USER_CLAIMS)
    out = tmp_path / "out"
    code = cli.main(["verify", "--claims", str(path), "--only", "userpaper2024/exact,lin1991/js-bounds",
                     "-j", "1", "--no-figures", "--no-progress", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "userpaper2024/exact" in text and "lin1991/js-bounds" in text and "userpaper2024/wrong" not in text
    code = cli.main(["verify", "--claims", str(path), "--only", "userpaper2024", "-j", "1",
                     "--no-figures", "--no-progress", "--out", str(out)])
    assert code == 1  # the wrong claim fails: exit code as for a built-in claim
    assert "failing: userpaper2024/wrong" in capsys.readouterr().out


def test_worker_processes_load_the_users_file(isolated, tmp_path, capsys):
    path = _write(tmp_path, "claims.py", USER_CLAIMS)
    # two modules (the user's file and lin1991), so -j 2 really spawns two workers
    code = cli.main(["verify", "--claims", str(path), "--only", "userpaper2024/exact,lin1991/js-bounds",
                     "-j", "2", "--no-figures", "--no-progress", "--out", str(tmp_path / "out")])
    text = capsys.readouterr()
    assert code == 0, text.err
    assert "userpaper2024/exact" in text.out and "error" not in text.err


def test_list_derive_and_show_take_claims(isolated, tmp_path, capsys):
    path = _write(tmp_path, "claims.py", USER_CLAIMS)
    assert cli.main(["list", "--claims", str(path), "--paper", "userpaper2024"]) == 0
    text = capsys.readouterr().out
    assert "userpaper2024/exact" in text and "userpaper2024/log-bound" in text and "2 claims" in text
    assert cli.main(["derive", "--claims", str(path), "userpaper2024/log-bound"]) == 0
    assert "OK: all 1 steps check" in capsys.readouterr().out
    # a claim id resolves to the derivation its @claim records
    assert cli.main(["derive", "--claims", str(path), "userpaper2024/exact"]) == 0
    assert "[userpaper2024/log-bound]" in capsys.readouterr().out
    assert cli.main(["derive", "--claims", str(path), "userpaper2024/wrong"]) == 2
    assert "records no derivation" in capsys.readouterr().err
    assert cli.main(["show", "--claims", str(path), "--out", str(tmp_path / "none"), "userpaper2024/exact"]) == 0
    text = capsys.readouterr().out
    for line in ("statement:   2 + 2 = 4.", "source:      User paper, eq. (1)", "closed form: not recorded",
                 "derivation:  userpaper2024/log-bound  (all steps check)", "last result: none in"):
        assert line in text


def test_show_prints_the_recorded_chain(isolated, tmp_path, capsys):
    _write(tmp_path, "chain.py", '''
        from experiments import Evidence, claim

        @claim("userpaper2024/chain", statement="D* = 1/2 at p = q.", source="User paper, eq. (3)",
               kinds=("exact",), closed_form="theory.gan.optimal_discriminator",
               solver="solvers.tabular.gan.train_discriminator", problem="no.such.module")
        def chain(ctx):
            return Evidence.close(0.5, 0.5, atol=0, reason="exact")
        ''')
    assert cli.main(["show", "--claims", str(tmp_path / "chain.py"), "--out", str(tmp_path), "userpaper2024/chain"]) == 0
    text = capsys.readouterr().out
    assert "closed form: theory.gan.optimal_discriminator  -- " in text  # with its docstring's first line
    assert "solver:      solvers.tabular.gan.train_discriminator" in text
    assert "problem:     no.such.module  (cannot be imported" in text
    assert cli.main(["show", "no/such-claim"]) == 2


@pytest.mark.parametrize("kind,text", [
    ("claim", '''
        from experiments import Evidence, claim

        @claim("goodfellow2014/prop1-optimal-discriminator", statement="s", source="s", kinds=("exact",))
        def mine(ctx):
            return Evidence.close(1, 1, atol=0, reason="exact")
        '''),
    ("derivation", '''
        import sympy as sp
        from proofs_check import Derivation, Step, derivation

        @derivation("goodfellow2014/prop1-optimal-discriminator")
        def mine():
            return Derivation("goodfellow2014/prop1-optimal-discriminator", "t", "s", [Step("a", 1, 1)])
        '''),
])
def test_an_id_clash_is_one_clear_line_and_exit_2(isolated, tmp_path, capsys, kind, text):
    path = _write(tmp_path, "clash.py", text)
    assert cli.main(["list", "--claims", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{kind} id 'goodfellow2014/prop1-optimal-discriminator' is already registered by" in err
    assert "experiments.claims.goodfellow2014" in err or "proofs_check.goodfellow2014" in err
    assert str(path) in err and "Traceback" not in err
    assert registry.REGISTRY["goodfellow2014/prop1-optimal-discriminator"].check.__module__ == \
        "experiments.claims.goodfellow2014"


def test_two_user_files_with_one_id_clash_names_the_first_file(isolated, tmp_path, capsys):
    first = _write(tmp_path, "a.py", USER_CLAIMS)
    (tmp_path / "b").mkdir()
    second = _write(tmp_path / "b", "a.py", USER_CLAIMS)
    assert cli.main(["list", "--claims", str(first), "--claims", str(second)]) == 2
    assert f"already registered by --claims {first}" in capsys.readouterr().err


def test_missing_files_modules_and_raising_files(isolated, tmp_path, capsys):
    assert cli.main(["list", "--claims", str(tmp_path / "nope.py")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert cli.main(["list", "--claims", "no_such_pkg_xyz.claims"]) == 2
    assert "no file or importable module" in capsys.readouterr().err
    path = _write(tmp_path, "raises.py", "import numpy\n\n\ndef f():\n    return 1 / 0\n\n\nf()\n")
    assert cli.main(["list", "--claims", str(path)]) == 2
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and f'{path}", line 5' in err  # where, in the user's file
    assert not [m for m in sys.modules if m.startswith("_ganac_user_") and "raises" in m]


def test_a_module_by_name(isolated, tmp_path, capsys, monkeypatch):
    pkg = tmp_path / "userpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    _write(pkg, "claims.py", USER_CLAIMS)
    monkeypatch.syspath_prepend(str(tmp_path))  # "installed": importable by name
    got = user.load_source("userpkg.claims")
    assert got.module == "userpkg.claims" and "userpaper2024/exact" in got.claims


def test_a_failing_plugin_is_named(isolated, monkeypatch):
    ep = importlib.metadata.EntryPoint("broken", "no_such_pkg_xyz.claims", user.ENTRY_POINT_GROUP)
    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda group=None: [ep] if group == user.ENTRY_POINT_GROUP else [])
    monkeypatch.setattr(user, "_PLUGINS", None)
    with pytest.raises(user.ClaimsError, match=r"plugin 'broken' = no_such_pkg_xyz.claims .*GANAC_NO_PLUGINS=1"):
        user.load_plugins()
    monkeypatch.setattr(user, "_PLUGINS", None)
    monkeypatch.setenv("GANAC_NO_PLUGINS", "1")
    assert user.load_plugins() == []


def test_chain_fields_are_validated():
    deco = registry.claim
    with pytest.raises(ValueError, match="closed_form"):
        deco("userpaper2024/x", statement="s", source="s", kinds=("exact",), closed_form="theory gan")
    with pytest.raises(ValueError, match="derivation"):
        deco("userpaper2024/x", statement="s", source="s", kinds=("exact",), derivation="no-slash")


def test_public_api_is_importable_without_numpy_first():
    import subprocess

    code = ("import sys, experiments; assert 'numpy' not in sys.modules; "
            "from experiments import claim, Evidence, Context, pytest_claims; "
            "from proofs_check import Derivation, Step, derivation, Instance")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_pytest_claims_results(isolated, tmp_path):
    path = _write(tmp_path, "claims.py", USER_CLAIMS)
    test = user.pytest_claims(str(path))
    marks = [m for m in test.pytestmark if m.name == "parametrize"]
    assert [tuple(p) for p in marks[0].args[1]] == [
        ("claim", "userpaper2024/exact"), ("claim", "userpaper2024/wrong"),
        ("derivation", "userpaper2024/log-bound")]
    test("claim", "userpaper2024/exact")
    test("derivation", "userpaper2024/log-bound")
    with pytest.raises(pytest.fail.Exception, match=r"claim userpaper2024/wrong fails at seed 0"):
        test("claim", "userpaper2024/wrong")
    with pytest.raises(ValueError, match="registers no claims"):
        user.pytest_claims(str(path), only="nothing-matches", derivations=False)
