"""The filter builder's model: the form's flat fields <-> a tree of rows <-> the JSON filter.

The builder shows one group per `group` row and one line per `cond` row. Rows are named by their
place: "r" is the root group, "r-0" its first child, "r-0-2" that one's third. The form posts
  node=<id> (every row, in order)  kind-<id>=group|cond  match-<id>=all|any|none|notall
  subject-<id>  op-<id>  value-<id> (repeated for multiple choices)  value2-<id> (between)
and `action=add:<id>|group:<id>|remove:<id>` for the buttons, so the page works without
JavaScript: every button is a plain submit that re-renders the builder; htmx only makes it quicker.
"""
import re

from chapar.segments import ARITY, CONTACT_OPS, MAX_DEPTH, MAX_LIST, MAX_NODES

ROOT = "r"
MATCHES = ("all", "any", "none", "notall")
_ID = re.compile(r"^r(-\d{1,3}){0,%d}$" % MAX_DEPTH)
_LIST_SPLIT = re.compile(r"[\n\r]+")


def empty_group(match="all"):
    return {"kind": "group", "match": match, "children": []}


def new_condition(subject):
    return {"kind": "cond", "subject": subject.key, "op": subject.ops[0], "value": "", "values": [], "value2": ""}


# --- JSON filter -> rows ---------------------------------------------------------------------

def rows_from_filter(tree):
    """The builder's rows for a saved filter (in normal form); the root is always a group."""
    row = _row(tree)
    return row if row["kind"] == "group" else {**empty_group(), "children": [row]}


def _row(node):
    if "all" in node or "any" in node:
        match = "all" if "all" in node else "any"
        return {**empty_group(match), "children": [_row(child) for child in node[match]]}
    if "not" in node:
        inner = node["not"]
        if "all" in inner or "any" in inner:
            match = "notall" if "all" in inner else "none"
            return {**empty_group(match), "children": [_row(child) for child in next(iter(inner.values()))]}
        return {**empty_group("none"), "children": [_row(inner)]}
    op, value = node["op"], node.get("value")
    subject = node.get("field") or ({"tag": "tag", "segment": "segment"}.get(CONTACT_OPS.get(op)) or f"op:{op}")
    row = {"kind": "cond", "subject": subject, "op": op, "value": "", "values": [], "value2": ""}
    if isinstance(value, list) and ARITY.get(op) == "pair":
        row["value"], row["value2"] = _text(value[0]), _text(value[1])
    elif isinstance(value, list):
        row["values"] = [_text(item) for item in value]
        row["value"] = "\n".join(row["values"])
    elif value is not None:
        row["value"] = _text(value)
    return row


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- form -> rows ----------------------------------------------------------------------------

def rows_from_form(form):
    """The rows a posted builder describes. Malformed or orphaned rows are dropped, not errors:
    only a tampered form has them, and the validator still checks whatever is left."""
    root = None
    rows = {}
    for row_id in form.getlist("node")[:MAX_NODES + 1]:
        if not _ID.match(row_id) or row_id in rows:
            continue
        if form.get(f"kind-{row_id}") == "group":
            match = form.get(f"match-{row_id}")
            row = empty_group(match if match in MATCHES else "all")
        else:
            values = [v for v in form.getlist(f"value-{row_id}")[:MAX_LIST] if v.strip()]
            row = {"kind": "cond", "subject": form.get(f"subject-{row_id}", ""), "op": form.get(f"op-{row_id}", ""),
                   "value": form.get(f"value-{row_id}", ""), "values": values,
                   "value2": form.get(f"value2-{row_id}", "")}
        if row_id == ROOT:
            if row["kind"] == "group":
                root = rows[ROOT] = row
            continue
        parent = rows.get(row_id.rsplit("-", 1)[0])
        if parent is not None and parent["kind"] == "group":
            parent["children"].append(row)
            rows[row_id] = row
    return root or empty_group()


def apply_action(root, action, default_subject):
    """Add a condition or a group to a group, or remove a row; `action` is "<verb>:<row id>"."""
    verb, _, row_id = (action or "").partition(":")
    target, parent = _find(root, row_id)
    if target is None:
        return root
    if verb == "add" and target["kind"] == "group":
        target["children"].append(new_condition(default_subject))
    elif verb == "group" and target["kind"] == "group" and row_id.count("-") < MAX_DEPTH - 1:
        target["children"].append({**empty_group("any"), "children": [new_condition(default_subject)]})
    elif verb == "remove" and parent is not None:
        parent["children"].remove(target)
    return root


def _find(root, row_id):
    """(row, its parent group) for a row id of the tree as rendered, or (None, None)."""
    if not _ID.match(row_id or ""):
        return None, None
    row, parent = root, None
    for index in (int(part) for part in row_id.split("-")[1:]):
        children = row.get("children", ())
        if index >= len(children):
            return None, None
        row, parent = children[index], row
    return row, parent


# --- rows -> JSON filter ---------------------------------------------------------------------

def filter_from_rows(root, subjects, skip_blank=False):
    """(the JSON filter, {JSON path: row id}) for the rows. With `skip_blank`, conditions still
    waiting for a value are left out (the live preview counts what is finished so far) and their
    ids are returned as the third item."""
    paths, blanks = {}, []

    def build(row, row_id, path):
        paths[path] = row_id
        if row["kind"] == "group":
            negated = row["match"] in ("none", "notall")
            key = "any" if row["match"] in ("any", "none") else "all"
            inner = _join(_join(path, "not") if negated else path, key)
            children = []
            for index, child in enumerate(row["children"]):
                child_id = f"{row_id}-{index}"
                if skip_blank and child["kind"] == "cond" and _blank(child, subjects):
                    blanks.append(child_id)
                    continue
                children.append(build(child, child_id, f"{inner}[{len(children)}]"))
            return {"not": {key: children}} if negated else {key: children}
        return condition(row, subjects)

    return build(root, ROOT, ""), paths, blanks


def _join(path, key):
    return f"{path}.{key}" if path else key


def condition(row, subjects):
    """One condition's JSON, values still as typed: the validator converts and checks them."""
    subject = subjects.get(row["subject"])
    op = row["op"] if subject is None else subject.op_for(row["op"])
    node = {"op": op} if subject is None or not subject.is_field else {"field": subject.key, "op": op}
    arity = subject.arity(op) if subject is not None else "one"
    if arity == "list":
        node["value"] = row["values"] if subject.kind in ("choice", "reference") else [
            item.strip() for item in _LIST_SPLIT.split(row["value"]) if item.strip()]
    elif arity == "pair":
        node["value"] = [row["value"].strip(), row["value2"].strip()]
    elif arity == "one":
        node["value"] = row["value"] if subject is not None and subject.kind in ("text", "tag") else row[
            "value"].strip()
    return node


def _blank(row, subjects):
    subject = subjects.get(row["subject"])
    if subject is None:
        return False
    arity = subject.arity(subject.op_for(row["op"]))
    if arity == "none":
        return False
    if arity == "list":
        return not (row["values"] if subject.kind in ("choice", "reference") else row["value"].strip())
    if arity == "pair":
        return not (row["value"].strip() and row["value2"].strip())
    return not row["value"].strip()


def row_problems(problems, paths):
    """{row id: [Problem]} for problems that name a row, and the rest (about the whole filter)."""
    by_row, general = {}, []
    for problem in problems:
        path = problem.path
        while path and path not in paths:  # "all[0].value[2]" belongs to the row at "all[0]"
            path = path.rsplit(".", 1)[0] if "." in path else ""
        row_id = paths.get(path) if path else None
        if row_id is None or row_id == ROOT:
            general.append(problem)
        else:
            by_row.setdefault(row_id, []).append(problem)
    return by_row, general
