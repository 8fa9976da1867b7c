"""An independent Python implementation of the old platform's panel
algorithm (reference §6.1-6.3), standard library only, written from the
reference document for the cross-check tests; it shares no code with libg6.

    canonical(data)         the bytes json.dumps(data, sort_keys=True,
                            separators=(",", ":")) gives
    data_hash(data)         sha256 hex of those bytes ("null" for None)
    verify(panels_dir)      {file: problem} like verify_manifest_hashes
    write_panels(dir, ...)  panel files and manifest.json like PanelsWriter
    sign(manifest_bytes, key)  g6's manifest.json.sig content
"""

import datetime
import hashlib
import hmac
import json
import os
import tempfile


def canonical(data):
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")


def data_hash(data):
    return hashlib.sha256(b"null" if data is None else canonical(data)).hexdigest()


def verify(panels_dir):
    """Problems by file name, in manifest order: "missing" for the manifest
    itself, "error:<Exception>" under "__manifest__" when it cannot be read,
    and per listed file invalid_hash_format, file_missing,
    read_error:<Exception> or mismatch."""
    problems = {}
    manifest = os.path.join(panels_dir, "manifest.json")
    if not os.path.exists(manifest):
        return {"manifest.json": "missing"}
    try:
        with open(manifest, encoding="utf-8") as f:
            doc = json.load(f)
        listed = doc.get("hashes")
        if not isinstance(listed, dict):
            return problems
        for name, want in listed.items():
            if not isinstance(want, str) or len(want) != 64:
                problems[name] = "invalid_hash_format"
                continue
            path = os.path.join(panels_dir, name)
            if not os.path.exists(path):
                problems[name] = "file_missing"
                continue
            try:
                with open(path, encoding="utf-8") as f:
                    panel = json.load(f)
                if data_hash(panel.get("data")) != want:
                    problems[name] = "mismatch"
            except Exception as e:  # noqa: BLE001 - the checker's contract
                problems[name] = "read_error:" + type(e).__name__
    except Exception as e:  # noqa: BLE001
        problems["__manifest__"] = "error:" + type(e).__name__
    return problems


def _atomic_write(path, doc):
    """indent 2, ensure_ascii False like the old writer; a str holding a
    lone surrogate cannot be encoded that way (the old writer raised), so
    such a document is written with ASCII escapes instead."""
    try:
        data = json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        data = json.dumps(doc, indent=2).encode("utf-8")
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def envelope(name, data, now):
    """The enveloped panel document (meta.hash over {} when data is None)."""
    return {
        "panel": name,
        "version": 1,
        "generated_at": int(now),
        "updated_at": datetime.datetime.fromtimestamp(
            int(now), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data": data,
        "meta": {"source": "summary", "schema": "v1",
                 "hash": data_hash({} if data is None else data)[:12]},
    }


def write_panels(panels_dir, panels, cycle=1, now=1700000000.0):
    """Writes {name: data} as <name>_enveloped.json files and manifest.json
    the way the old PanelsWriter did (indent 2, ensure_ascii False, each file
    atomically, hashes computed by re-reading the file just written).
    Returns the manifest document."""
    os.makedirs(panels_dir, exist_ok=True)
    hashes = {}
    for name, data in panels.items():
        fname = name + "_enveloped.json"
        path = os.path.join(panels_dir, fname)
        _atomic_write(path, envelope(name, data, now))
        with open(path, encoding="utf-8") as f:
            hashes[fname] = data_hash(json.load(f).get("data"))
    manifest = {
        "schema_version": 1,
        "generator": "PanelsWriter",
        "cycle": cycle,
        "ts": now,
        "files": sorted(hashes),
        "indices_count": None,
        "alerts_total": None,
        "app_version": "python-ref",
        "hashes": hashes,
    }
    _atomic_write(os.path.join(panels_dir, "manifest.json"), manifest)
    return manifest


def sign(manifest_bytes, key):
    """manifest.json.sig as g6 writes it: HMAC-SHA256 of the manifest's
    exact bytes."""
    mac = hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()
    return ("hmac-sha256:%s\n" % mac).encode()
