"""patchset_of.py DIR OUT: a patchset of every DIR/patch.NAME.json (RFC 6902
patches, e.g. the sbottom and staus folders of ../shared/workspaces/real), so
that `hf cls DIR/BkgOnly.json OUT --no-verify` runs them as one grid (its
digest is not the workspace's: hence --no-verify).

    python3 bench/patchset_of.py ../shared/workspaces/real/sbottom_ATLAS-SUSY-2018-31_RegionA sbottom.json
"""
import glob
import json
import os
import sys


def main(folder, out):
    patches = []
    for path in sorted(glob.glob(os.path.join(folder, "patch.*.json"))):
        name = os.path.basename(path)[len("patch."):-len(".json")]
        with open(path) as f:
            ops = json.load(f)
        patches.append({"metadata": {"name": name, "values": [len(patches)]},
                        "patch": ops})
    meta = {"analysis_id": "grid", "description": "patches of " + folder,
            "digests": {"sha256": "0" * 64}, "labels": ["index"],
            "references": {"hepdata": "ins0000000"}}
    with open(out, "w") as f:
        json.dump({"metadata": meta, "patches": patches, "version": "1.0.0"}, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
