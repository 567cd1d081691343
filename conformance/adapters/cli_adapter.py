#!/usr/bin/env python3
"""An example conformance adapter in Python that drives the `interop` command.

It speaks the adapter protocol (interop.conformance/v1, conformance/README.md) on stdin/stdout
and keeps the "tool" as a list of objects per vendor. Each sync writes the objects to a state
file and runs `interop apply --push --json`; `pull` and `resolve` are the commands of the same
name. Category objects (`{id, category, metric: {...}}`) go into the state file's lists
(`metrics:`, `monitors:`, `annotations:`, `jobs:`, `elt: {connectors: ...}` ...), and come back
through `--out`, which writes the
lists again after the repo's changes. Nothing here is Rust: any language that can run a command and read JSON can integrate.

    interop conformance --adapter "python3 conformance/adapters/cli_adapter.py"

The `interop` binary is taken from $INTEROP_BIN, else from PATH.
"""

import json
import os
import subprocess
import sys

INTEROP = os.environ.get("INTEROP_BIN", "interop")


class Failure(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def interop(*args):
    """Runs the interop command; its stdout, or a Failure with its exit code's meaning."""
    done = subprocess.run([INTEROP, *args], capture_output=True, text=True)
    # 0 ok, 2 conflicts (the sync still happened), 3 bad input, 4 repo moved.
    if done.returncode in (0, 2):
        return done.stdout
    message = done.stderr.strip().removeprefix("interop: ")
    if "outside this session's scope" in message:
        raise Failure("scope", message)
    kind = {3: "input", 4: "repo_moved"}.get(done.returncode, "internal")
    raise Failure(kind, message)


def set_field(value, path, new):
    """Sets (new=None: removes) a field path such as columns[name=id].description."""
    parts = []
    for part in path.split("."):
        if "[name=" in part:
            key, item = part.split("[name=", 1)
            parts.append((key, item.rstrip("]")))
        else:
            parts.append((part, None))
    at = value
    for i, (key, item) in enumerate(parts):
        last = i == len(parts) - 1
        if last and item is None:
            if new is None:
                at.pop(key, None)
            else:
                at[key] = new
            return
        at = at.setdefault(key, [] if item is not None else {})
        if item is not None:
            found = next((x for x in at if x.get("name") == item), None)
            if found is None:
                found = {"name": item}
                at.append(found)
            if last:
                at.remove(found)
                if new is not None:
                    at.append(new)
                return
            at = found


# Each category object type and category, and its list in the state file (`elt.connectors`:
# the `connectors` list under `elt:`). A type may serve several categories.
TYPES = {
    ("semantic_model", "bi"): "semantic_models",
    ("metric", "bi"): "metrics",
    ("saved_query", "bi"): "saved_queries",
    ("dashboard", "bi"): "dashboards",
    ("transform", "bi"): "transforms",
    ("monitor", "observability"): "monitors",
    ("description", "observability"): "descriptions",
    ("annotation", "catalog"): "annotations",
    ("connector", "elt"): "elt.connectors",
    ("transform", "elt"): "elt.transforms",
    ("job", "orchestration"): "jobs",
    ("transform", "orchestration"): "elt.transforms",
    ("sync", "reverse_etl"): "syncs",
    ("publication", "notebook"): "publications",
    ("feature_set", "ml"): "feature_sets",
    ("prediction", "ml"): "predictions",
    ("activity_stream", "product_analytics"): "streams",
    ("semantic_model", "product_analytics"): "semantic_models",
    ("metric", "product_analytics"): "metrics",
}
CATEGORIES = ["bi", "observability", "catalog", "elt", "orchestration", "reverse_etl", "notebook",
              "ml", "product_analytics"]
# Known by target and column rather than by an id.
BY_TARGET = ("description", "annotation")


class Tool:
    """One vendor: its repo, category, objects and the conflicts of its last sync."""

    def __init__(self, vendor, category, repo, workdir):
        self.vendor, self.category, self.repo, self.workdir = vendor, category, repo, workdir
        self.objects = {}
        # Category objects: id -> (type, body as the state file holds it).
        self.items = {}
        self.conflicts = {}

    def put_item(self, o):
        kinds = [k for k in o if k not in ("id", "category")]
        if len(kinds) != 1 or not any(kind == kinds[0] for kind, _ in TYPES):
            raise Failure("input", f"object {o.get('id')}: one object type, found {kinds}")
        kind = kinds[0]
        if (kind, self.category) not in TYPES or o["category"] != self.category:
            raise Failure("input", f"object {o['id']}: a {self.category} tool has no {kind} objects")
        body = dict(o[kind])
        if kind not in BY_TARGET:
            body["id"] = o["id"]
        self.items[o["id"]] = (kind, body)

    def listed(self):
        out = list(self.objects.values())
        for oid, (kind, body) in self.items.items():
            shown = {k: v for k, v in body.items() if k != "id"}
            out.append({"id": oid, "category": self.category, kind: shown})
        return out

    def state(self):
        state = {"objects": list(self.objects.values())}
        for kind, body in self.items.values():
            *parents, key = TYPES[(kind, self.category)].split(".")
            at = state
            for parent in parents:
                at = at.setdefault(parent, {})
            at.setdefault(key, []).append(body)
        return state

    def take_items(self, path):
        """The category objects as `--out` wrote them back; target-keyed ones keep their ids."""
        with open(path) as f:
            after = json.load(f)
        before = self.items
        self.items = {}
        for (kind, category), where in TYPES.items():
            if category != self.category:
                continue
            at = after
            for key in where.split("."):
                at = at.get(key) or {}
            for body in at or []:
                if kind in BY_TARGET:
                    same = [oid for oid, (k, b) in before.items() if k == kind
                            and b["target"] == body["target"] and b.get("column") == body.get("column")]
                    target = body["target"]
                    oid = same[0] if same else f"{kind}:{target['kind']}.{target['name']}" + (
                        f"/{body['column']}" if body.get("column") else "")
                else:
                    oid = body["id"]
                self.items[oid] = (kind, body)

    def args(self):
        return ["--repo", self.repo, "--vendor", self.vendor, "--category", self.category,
                "--cache", os.path.join(self.workdir, "cache"), "--json"]

    def take(self, changes):
        for change in changes:
            oid = change["id"]
            if self.items and oid not in self.objects:
                continue  # the category objects come back through --out
            if change["change"] == "created":
                self.objects.setdefault(oid, dict(change["state"], id=oid))
            elif change["change"] == "updated" and oid in self.objects:
                updated = dict(change["state"], id=oid)
                for (cid, field), (mine, _repo) in self.conflicts.items():
                    if cid == oid:
                        set_field(updated["value"], field, mine)
                self.objects[oid] = updated
            elif change["change"] == "deleted":
                self.objects.pop(oid, None)

    def sync(self):
        state = os.path.join(self.workdir, "state.json")
        out = os.path.join(self.workdir, "after.json")
        with open(state, "w") as f:
            json.dump(self.state(), f)
        record = json.loads(interop("apply", *self.args(), "--state", state, "--push", "--out", out))
        if self.items:
            self.take_items(out)
        self.conflicts = {
            (c["id"], c["path"]): (c.get("vendor"), c.get("repo")) for c in record["conflicts"]
        }
        self.take(record["vendor_changes"])
        return record

    def pull(self):
        if not self.items:
            changes = json.loads(interop("pull", *self.args()))
        else:
            state = os.path.join(self.workdir, "state.json")
            out = os.path.join(self.workdir, "after.json")
            with open(state, "w") as f:
                json.dump(self.state(), f)
            changes = json.loads(interop("pull", *self.args(), "--state", state, "--out", out))
            self.take_items(out)
        self.take(changes)
        return {"changes": changes}

    def resolve(self, oid, field, choice):
        interop("resolve", *self.args()[:-1], oid, field, choice)
        _mine, repo = self.conflicts.pop((oid, field), (None, None))
        if choice == "repo" and oid in self.objects:
            set_field(self.objects[oid]["value"], field, repo)
        return {}


def create_repo_if_empty(url, workdir):
    """A customer without a repo: `interop init`, pushed as main."""
    heads = subprocess.run(["git", "ls-remote", url], capture_output=True, text=True, check=True)
    if heads.stdout.strip():
        return
    project = os.path.join(workdir, "new-project")
    interop("init", project, "--name", "analytics")
    subprocess.run(["git", "-C", project, "push", "-q", url, "main:main"], check=True,
                   capture_output=True)


def handle(tools, request):
    op = request["op"]
    if op == "hello":
        return {"protocol": "interop.conformance/v1", "name": "example adapter (Python, interop CLI)",
                "categories": CATEGORIES}
    if op == "shutdown":
        return {}
    vendor = request["vendor"]
    if op == "open":
        os.makedirs(request["workdir"], exist_ok=True)
        create_repo_if_empty(request["repo"], request["workdir"])
        tools[vendor] = Tool(vendor, request["category"], request["repo"], request["workdir"])
        return {}
    tool = tools[vendor]
    if op == "put":
        for o in request["objects"]:
            if "category" in o:
                tool.put_item(o)
            else:
                tool.objects[o["id"]] = o
        return {}
    if op == "delete":
        for oid in request["ids"]:
            tool.objects.pop(oid, None)
            tool.items.pop(oid, None)
        return {}
    if op == "list":
        return {"objects": tool.listed()}
    if op == "sync":
        return tool.sync()
    if op == "pull":
        return tool.pull()
    if op == "resolve":
        return tool.resolve(request["id"], request["field"], request["choice"])
    raise Failure("unsupported", f"unknown op {op}")


def main():
    tools = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer = {"seq": request["seq"], "ok": True, "result": handle(tools, request)}
        except Failure as e:
            answer = {"seq": request["seq"], "ok": False,
                      "error": {"kind": e.kind, "message": str(e)}}
        except (KeyError, OSError, subprocess.CalledProcessError, json.JSONDecodeError) as e:
            answer = {"seq": request["seq"], "ok": False,
                      "error": {"kind": "internal", "message": f"{type(e).__name__}: {e}"}}
        print(json.dumps(answer), flush=True)
        if request["op"] == "shutdown":
            break


if __name__ == "__main__":
    main()
