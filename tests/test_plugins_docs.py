"""docs/plugin-hooks.md keeps up with the code, and every hook has a test of its own.

A hook's test is a test function marked @pytest.mark.hook("<hook name>"); test_hooks.py also
fails a marked test that never made the core call that hook.
"""
import ast
import inspect
import re
from pathlib import Path

import chapar
from chapar import hookspecs

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "plugin-hooks.md").read_text(encoding="utf-8")
HOOK_HEADING = re.compile(r"^### `(\w+)\(([^)]*)\)`[ \t]*$", re.M)
CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def hookspec_arguments():
    """{hook name: [argument names]} as core/hookspecs.py declares them."""
    return {name: list(inspect.signature(func).parameters) for name, func in vars(hookspecs).items()
            if inspect.isfunction(func) and hasattr(func, "chapar_spec")}


def documented_hooks():
    """{hook name: (argument names, section text)} from the doc's `### `name(args)`` headings."""
    headings = list(HOOK_HEADING.finditer(DOC))
    found = {}
    for heading, following in zip(headings, headings[1:] + [None]):
        end = following.start() if following else DOC.find("\n## ", heading.end())
        arguments = [a.strip() for a in heading.group(2).split(",") if a.strip()]
        found[heading.group(1)] = (arguments, DOC[heading.end():end if end != -1 else None])
    return found


def test_every_hook_is_documented_with_its_exact_signature():
    documented = {name: arguments for name, (arguments, _text) in documented_hooks().items()}
    assert documented == hookspec_arguments()


def test_every_documented_hook_has_arguments_a_return_shape_and_an_example():
    for name, (arguments, text) in documented_hooks().items():
        assert "Returns" in text, f"{name}: say what it returns"
        for argument in arguments:
            assert f"| `{argument}` |" in text, f"{name}: document the argument {argument}"
        examples = CODE_BLOCK.findall(text)
        assert any("@hookimpl" in code and f"def {name}(" in code for code in examples), f"{name}: add an example"


def test_every_hook_has_a_docstring():
    for name in hookspec_arguments():
        assert (getattr(hookspecs, name).__doc__ or "").strip(), f"hookspecs.{name} needs a docstring"


def test_the_examples_are_valid_python():
    for code in CODE_BLOCK.findall(DOC):
        ast.parse(code)


def test_the_public_api_table_lists_exactly_what_chapar_exports():
    section = DOC.split("## Public API", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", section, re.M))
    assert documented == set(chapar.__all__)


def _marked_hooks(path):
    """Hook names in @pytest.mark.hook("...") on the test functions of one file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test")):
            continue
        for decorator in node.decorator_list:
            if (isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "pytest.mark.hook"
                    and decorator.args and isinstance(decorator.args[0], ast.Constant)):
                found.add(decorator.args[0].value)
    return found


def test_every_hook_has_a_test_of_its_own():
    test_files = [*ROOT.glob("tests/**/test_*.py"), *ROOT.glob("plugins/*/tests/**/test_*.py")]
    marked = set().union(*(_marked_hooks(path) for path in test_files))
    hooks = set(hookspec_arguments())
    assert not hooks - marked, f"hooks without a @pytest.mark.hook test: {sorted(hooks - marked)}"
    assert not marked - hooks, f"tests marked for hooks that do not exist: {sorted(marked - hooks)}"
