"""The shape of the code: short modules, thin views, services own their transactions, and no
code that checks whether the app's own code exists.

These tests read the source (``ast``), they do not run it; each names every offender.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"
TEMPLATES = ROOT / "templates"

MAX_MODULE_LINES = 400
MAX_VIEW_LINES = 25
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}


def modules() -> list[Path]:
    return sorted(p for p in PORTAL.rglob("*.py") if "__pycache__" not in p.parts)


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def blueprint_names(tree: ast.Module) -> set[str]:
    """Module-level names bound to ``Blueprint(...)``."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called == "Blueprint":
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def is_route(decorator: ast.expr, blueprints: set[str]) -> bool:
    """``@bp.get(...)``, ``@bp.post(...)``, ``@bp.route(...)`` ... on a blueprint."""
    return (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr in ROUTE_DECORATORS
        and isinstance(decorator.func.value, ast.Name)
        and decorator.func.value.id in blueprints
    )


def views(tree: ast.Module) -> Iterator[ast.FunctionDef]:
    blueprints = blueprint_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
            is_route(d, blueprints) for d in node.decorator_list
        ):
            yield node


def view_lines(node: ast.FunctionDef) -> int:
    """Lines from ``def`` to the function's last line, without decorators and docstring."""
    assert node.end_lineno is not None
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
        and first.end_lineno is not None
    ):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def view_modules() -> list[tuple[Path, ast.Module]]:
    parsed = [(path, parse(path)) for path in modules()]
    return [(path, tree) for path, tree in parsed if any(views(tree))]


# --- size --------------------------------------------------------------------------------------


def test_no_module_in_portal_is_longer_than_400_lines():
    too_long = {
        rel(path): n
        for path in modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"


def test_no_view_is_longer_than_25_lines():
    too_long = {
        f"{rel(path)}:{node.name}": n
        for path, tree in view_modules()
        for node in views(tree)
        if (n := view_lines(node)) > MAX_VIEW_LINES
    }
    assert not too_long, f"views over {MAX_VIEW_LINES} lines: {too_long}"


def test_the_view_finder_sees_every_blueprint():
    """The size and transaction rules above only mean something if they find the views."""
    found = {rel(path) for path, _tree in view_modules()}
    assert {
        "portal/admin/views.py",
        "portal/auth/views.py",
        "portal/board/views.py",
        "portal/core/views.py",
        "portal/needs/views.py",
        "portal/plans/views.py",
        "portal/volunteers/coordination.py",
        "portal/volunteers/views.py",
    } <= found
    assert sum(1 for _path, tree in view_modules() for _view in views(tree)) > 50


def test_view_lines_leave_out_decorators_and_docstring():
    tree = ast.parse(
        "bp = Blueprint('x', __name__)\n"
        "@bp.get('/')\n"
        "@roles_required('admin')\n"
        "def index():\n"
        '    """Two lines\n'
        '    of docstring."""\n'
        "    a = 1\n"
        "    return a\n"
    )
    (view,) = views(tree)
    assert view_lines(view) == 3


# --- transactions ------------------------------------------------------------------------------


def session_ends(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls of ``<anything>.commit()`` or ``<anything>.rollback()``."""
    return [
        (node.lineno, node.func.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"commit", "rollback"}
    ]


def test_views_never_commit_or_roll_back():
    """Services own their transactions: they commit, and a refusal leaves the session clean."""
    offenders = {
        f"{rel(path)}:{line}": what
        for path, tree in view_modules()
        for line, what in session_ends(tree)
    }
    assert not offenders, f"views that end a transaction themselves: {offenders}"


def test_the_transaction_finder_sees_a_commit():
    assert session_ends(ast.parse("db.session.commit()\ndb.session.rollback()")) == [
        (1, "commit"),
        (2, "rollback"),
    ]


# --- no code checks for the app's own code ----------------------------------------------------

FORBIDDEN_TEXT = ("view_functions", "view_endpoints", "ignore missing")


def templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.txt"))


def test_no_code_looks_up_endpoints_or_ignores_missing_templates():
    offenders = [
        f"{rel(path)}: {text}"
        for path in [*modules(), *templates()]
        for text in FORBIDDEN_TEXT
        if text in path.read_text(encoding="utf-8")
    ]
    assert not offenders, offenders


def import_guards(tree: ast.AST) -> list[int]:
    """``except ImportError`` / ``except ModuleNotFoundError`` (alone or in a tuple)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            names = {c.id for c in caught if isinstance(c, ast.Name)}
            if names & {"ImportError", "ModuleNotFoundError"}:
                lines.append(node.lineno)
    return lines


def test_no_code_guards_an_import_of_its_own():
    offenders = {rel(path): lines for path in modules() if (lines := import_guards(parse(path)))}
    assert not offenders, f"`except ImportError` in portal/: {offenders}"
    assert import_guards(ast.parse("try:\n    import x\nexcept (OSError, ImportError):\n    pass"))


DEFINED_TEST = re.compile(r"\b([A-Za-z_][\w.]*)\s+is\s+(?:not\s+)?defined\b")


def app_helpers() -> set[str]:
    """What the app gives every template: globals, filters, tests, context processors, and the
    macros in templates/_macros."""
    from portal import create_app
    from tests.conftest import BASE_CONFIG

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    env = app.jinja_env
    names = set(env.globals) | set(env.filters) | set(env.tests)
    with app.test_request_context():
        context: dict[str, object] = {}
        app.update_template_context(context)
        names |= set(context)
    macro = re.compile(r"{%-?\s*macro\s+(\w+)")
    for path in (TEMPLATES / "_macros").glob("*.html"):
        names |= set(macro.findall(path.read_text(encoding="utf-8")))
    return names


def test_no_template_asks_whether_an_app_helper_is_defined():
    helpers = app_helpers()
    assert {"url_for", "navigation", "label", "field", "form_errors"} <= helpers
    offenders = [
        f"{rel(path)}: {match.group(0)}"
        for path in templates()
        for match in DEFINED_TEST.finditer(path.read_text(encoding="utf-8"))
        if match.group(1).split(".")[0] in helpers
    ]
    assert not offenders, offenders


# --- dependencies between domains and the CLI --------------------------------------------------


def imports_cli(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name == "portal.cli" or a.name.startswith("portal.cli.") for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom):
            if node.module == "portal.cli" or (node.module or "").startswith("portal.cli."):
                return True
            if node.module == "portal" and any(a.name == "cli" for a in node.names):
                return True
    return False


def test_no_domain_imports_the_cli():
    """The CLI collects jobs from the domains, never the reverse."""
    domain_modules = [p for p in modules() if len(p.relative_to(PORTAL).parts) > 1]
    assert domain_modules
    offenders = [rel(p) for p in domain_modules if imports_cli(parse(p))]
    assert not offenders, f"domain modules importing portal.cli: {offenders}"
    assert imports_cli(ast.parse("from portal import cli"))
    assert imports_cli(ast.parse("from portal.cli import REMINDER_JOBS"))


def import_time_connects(tree: ast.Module) -> list[int]:
    """``<signal>.connect(...)`` / ``.connect_via(...)`` run when the module is imported: in
    module or class bodies and in decorators, not inside functions."""
    lines: list[int] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for part in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                if part is not None:
                    visit(part)
            return
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.Attribute) and node.attr in {"connect", "connect_via"}:
            lines.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return lines


def test_no_module_connects_a_signal_at_import_time():
    """Receivers are connected in ``portal.connect_domains``, once, explicitly."""
    offenders = {
        rel(path): lines for path in modules() if (lines := import_time_connects(parse(path)))
    }
    assert not offenders, f"signals connected at import time: {offenders}"
    assert import_time_connects(ast.parse("@sent.connect\ndef on_sent(sender):\n    pass"))
    assert import_time_connects(ast.parse("sent.connect(on_sent)"))
    assert not import_time_connects(ast.parse("def wire():\n    sent.connect(on_sent)"))


@pytest.mark.parametrize("name", ["connect_domains"])
def test_receivers_are_connected_in_create_app(name):
    tree = parse(PORTAL / "__init__.py")
    wiring = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    assert any(isinstance(n, ast.Attribute) and n.attr == "connect" for n in ast.walk(wiring)), (
        "connect_domains connects no receiver"
    )


# --- refusals on forms -------------------------------------------------------------------------


def _calls(node: ast.AST, name: str) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
    ]


def refusal_templates(tree: ast.Module) -> set[str]:
    """Templates rendered by a function that puts a refusal on a form (`attach_error`, or
    `submit` with the page it renders), or by the module's helpers that function calls."""
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    found = set()
    for function in functions.values():
        # `submit` (portal/core/forms.py) puts refusals on the form for the page it renders
        if not (_calls(function, "attach_error") or _calls(function, "submit")):
            continue
        called = {
            c.func.id
            for c in ast.walk(function)
            if isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id in functions
        }
        for node in [function, *(functions[name] for name in called)]:
            for call in _calls(node, "render_template"):
                first = call.args[0] if call.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
    return found


def test_every_page_that_shows_a_refusal_on_a_form_renders_the_form_errors():
    """`attach_error` puts a refusal that names no field in ``form.form_errors``: the page must
    show them (the `form_errors` macro), or the refusal is lost."""
    rendered = set().union(*(refusal_templates(tree) for _path, tree in view_modules()))
    assert {"plans/client_form.html", "board/report.html", "admin/user.html"} <= rendered
    missing = sorted(
        name
        for name in rendered
        if "form_errors(" not in (TEMPLATES / name).read_text(encoding="utf-8")
    )
    assert not missing, f"pages without form_errors(form): {missing}"


# --- one helper per job ------------------------------------------------------------------------

SHARED = {
    # name: the one module that defines it
    "MultiCheckboxField": "portal/core/forms.py",
    "optional_int": "portal/core/forms.py",
    "int_or_none": "portal/core/forms.py",
    "attach_error": "portal/core/forms.py",
    "form_status": "portal/core/forms.py",
    "submit": "portal/core/forms.py",
    "scope_to": "portal/security.py",
    "profile_of": "portal/volunteers/queries.py",
    "unit_of_work": "portal/core/transaction.py",
}
RETIRED = {
    # the copies these helpers replaced
    "_field_error",
    "_status",
    "_attach_error",
    "_domain_error_to_form",
    "apply_error",
    "_int_or_none",
    "scoped",
    "_scope",
    "_commit_unique",
}


def definitions(tree: ast.Module) -> set[str]:
    return {
        n.name
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def test_each_shared_helper_is_defined_once():
    found: dict[str, list[str]] = {}
    for path in modules():
        for name in definitions(parse(path)) & (set(SHARED) | RETIRED):
            found.setdefault(name, []).append(rel(path))
    wrong = {
        name: places
        for name, places in found.items()
        if name in RETIRED or places != [SHARED[name]]
    }
    assert not wrong, f"copies of shared helpers: {wrong}"
    assert {name: places[0] for name, places in found.items()} == SHARED


def test_no_inline_copies_of_the_shared_helpers():
    """The status of a form page, a volunteer's profile and a municipality scope are asked
    from the shared helpers, not written out again."""
    patterns = {
        "is_submitted() else": "portal/core/forms.py",
        "VolunteerProfile.user_id ==": "portal/volunteers/queries.py",
        "municipality_id.in_(ids": "portal/security.py",
    }
    offenders = [
        f"{rel(path)}: {text}"
        for path in modules()
        for text, home in patterns.items()
        if text in path.read_text(encoding="utf-8") and rel(path) != home
    ]
    assert not offenders, offenders
