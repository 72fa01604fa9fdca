"""Records commit-reveal hash vectors with the bittensor Python SDK.

The hash is computed by `bittensor.utils.weight_utils.generate_weight_hash`
(bittensor 9.12.2 from PyPI; 10.x/11.x dropped the salt-based scheme), so the
TypeScript implementation is checked against code we did not write.

    python3 -m venv /tmp/venv-bt && /tmp/venv-bt/bin/pip install bittensor==9.12.2 "async-substrate-interface<2" && /tmp/venv-bt/bin/pip uninstall -y cyscale
    /tmp/venv-bt/bin/python test/reference/make_commit_reveal_vector.py
"""
import json
import pathlib

import bittensor
from bittensor.utils.weight_utils import generate_weight_hash

# Hotkeys of the fixture wallet and of Substrate's well-known dev accounts (public values).
FIXTURE_HOTKEY = "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"
ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
BOB = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"

CASES = [
    dict(address=FIXTURE_HOTKEY, netuid=1, uids=[0, 1, 2], values=[65535, 32768, 1], version_key=0, salt=[1, 2, 3, 4, 5, 6, 7, 8]),
    dict(address=ALICE, netuid=96, uids=[3, 7], values=[100, 200], version_key=843000, salt=[65535, 0, 12345, 42, 7, 9, 11, 13]),
    dict(address=BOB, netuid=65535, uids=[65535], values=[65535], version_key=2**64 - 1, salt=[0]),
    dict(address=FIXTURE_HOTKEY, netuid=0, uids=[], values=[], version_key=1, salt=[]),
    dict(address=ALICE, netuid=12, uids=list(range(70)), values=[(i * 937) % 65536 for i in range(70)], version_key=2**32 + 5, salt=[i * 8191 % 65536 for i in range(8)]),
]


def main() -> None:
    out = []
    for case in CASES:
        digest = generate_weight_hash(
            address=case["address"],
            netuid=case["netuid"],
            uids=case["uids"],
            values=case["values"],
            version_key=case["version_key"],
            salt=case["salt"],
        )
        out.append({**case, "version_key": str(case["version_key"]), "hash": digest})
    target = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "chain" / "commit-reveal-vectors.json"
    doc = {"generator": f"bittensor {bittensor.__version__} generate_weight_hash", "cases": out}
    target.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {len(out)} vectors to {target}")


if __name__ == "__main__":
    main()
