"""Records timelock vectors with the bittensor SDK's own library, PyPI bittensor-drand.

Both directions, to drand quicknet round 1000, whose signature is public:
  - its ciphertexts (encrypt_at_round), which lib/chain's decryptTimelocked must open;
  - ours (test/fixtures/chain/timelock-ours.json, written by write_our_timelock_ciphertexts.ts),
    which it must open: the verdict and the sha256 of the bytes it opened are recorded, so the
    TypeScript test knows the verdict is about the bytes the current code produces.
Plus the drand round the SDK encrypts weight commits to (get_encrypted_commit_v2, stateful epoch
scheduler; get_encrypted_commit of bittensor-drand 1.2, the legacy one) and timelocked
commitments to (get_encrypted_commitment), with the wall-clock window of each call, and one
ciphertext the SDK builds itself (its own SCALE payload) for the structure check.

The WeightsTlockPayload SCALE encoding is written out here by hand, not taken from our code.

    node --loader ts-node/esm test/reference/write_our_timelock_ciphertexts.ts
    python3 -m venv /tmp/venv-drand1 && /tmp/venv-drand1/bin/pip install bittensor-drand==1.2.0
    LEGACY_DRAND_PYTHON=/tmp/venv-drand1/bin/python /work/venv-ref/bin/python test/reference/make_timelock_vectors.py

(/work/venv-ref has bittensor-drand 2.0.0.) Nothing here needs the network.
"""
import hashlib
import json
import os
import pathlib
import struct
import subprocess
import sys
import time

import bittensor_drand as drand

SIG_1000 = "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39"
FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "chain"
# Alice's public key (a well-known dev account)
ALICE = bytes.fromhex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")


def compact(n: int) -> bytes:
    if n < 1 << 6:
        return bytes([n << 2])
    if n < 1 << 14:
        return struct.pack("<H", (n << 2) | 1)
    if n < 1 << 30:
        return struct.pack("<I", (n << 2) | 2)
    raise ValueError("too long")


def read_compact(b: bytes, at: int) -> tuple[int, int]:
    mode = b[at] & 3
    if mode == 0:
        return b[at] >> 2, at + 1
    if mode == 1:
        return struct.unpack("<H", b[at:at + 2])[0] >> 2, at + 2
    if mode == 2:
        return struct.unpack("<I", b[at:at + 4])[0] >> 2, at + 4
    raise ValueError("big compact")


def payload(hotkey: bytes, uids: list[int], values: list[int], version_key: int) -> bytes:
    return (compact(len(hotkey)) + hotkey
            + compact(len(uids)) + b"".join(struct.pack("<H", u) for u in uids)
            + compact(len(values)) + b"".join(struct.pack("<H", v) for v in values)
            + struct.pack("<Q", version_key))


def decode_payload(b: bytes) -> dict:
    n, at = read_compact(b, 0)
    hotkey, at = b[at:at + n], at + n
    out = {"hotkey": "0x" + hotkey.hex()}
    for field in ("uids", "values"):
        n, at = read_compact(b, at)
        out[field] = [struct.unpack("<H", b[at + 2 * i:at + 2 * i + 2])[0] for i in range(n)]
        at += 2 * n
    out["versionKey"] = str(struct.unpack("<Q", b[at:at + 8])[0])
    if at + 8 != len(b):
        raise ValueError("trailing bytes")
    return out


def user_data(raw: bytes, round_: int) -> bytes:
    """decrypt_with_signature takes the SDK's UserData envelope: SCALE (Vec<u8> ciphertext, u64 round)."""
    return compact(len(raw)) + raw + struct.pack("<Q", round_)


def raw_of(enveloped: bytes) -> bytes:
    n, at = read_compact(enveloped, 0)
    assert at + n + 8 == len(enveloped)
    return enveloped[at:at + n]


def theirs() -> list[dict]:
    cases = [
        ("text", b"hello from bittensor-drand", None),
        ("one byte", b"\x00", None),
        ("weights", payload(ALICE, [0, 3, 9], [65535, 100, 7], 843000), dict(hotkey="0x" + ALICE.hex(), uids=[0, 3, 9], values=[65535, 100, 7], versionKey="843000")),
        ("weights, 40 uids", payload(bytes(range(32)), list(range(40)), [i * 1601 % 65536 for i in range(40)], 2**64 - 1),
         dict(hotkey="0x" + bytes(range(32)).hex(), uids=list(range(40)), values=[i * 1601 % 65536 for i in range(40)], versionKey=str(2**64 - 1))),
    ]
    out = []
    for name, plaintext, weights in cases:
        enveloped, round_ = drand.encrypt_at_round(plaintext, 1000)
        assert round_ == 1000
        raw = raw_of(enveloped)
        assert drand.decrypt_with_signature(user_data(raw, 1000), SIG_1000) == plaintext
        out.append({"name": name, "plaintext": plaintext.hex(), "ciphertext": raw.hex(), **({"weights": weights} if weights else {})})
    return out


def ours() -> list[dict]:
    doc = json.loads((FIXTURES / "timelock-ours.json").read_text())
    out = []
    for case in doc["cases"]:
        raw = bytes.fromhex(case["ciphertext"])
        verdict = {"name": case["name"], "sha256": hashlib.sha256(raw).hexdigest()}
        try:
            plaintext = drand.decrypt_with_signature(user_data(raw, doc["round"]), SIG_1000)
            verdict.update(opened=True, plaintext=plaintext.hex())
            if case["kind"] == "weights":
                verdict["weights"] = decode_payload(plaintext)
        except ValueError as err:
            verdict.update(opened=False, error=str(err))
        out.append(verdict)
    return out


STATEFUL = [
    # (last_epoch_block, pending_epoch_at, subnet_epoch_index, tempo, blocks_since_last_step, current_block, reveal_period, block_time)
    (100, 0, 10, 50, 20, 120, 1, 12.0),
    (100, 0, 10, 50, 48, 148, 1, 12.0),
    (100, 0, 10, 50, 49, 149, 1, 12.0),
    (100, 0, 10, 50, 49, 149, 3, 12.0),
    (1000, 1100, 7, 360, 50, 1050, 1, 12.0),
    (1000, 1051, 7, 360, 50, 1050, 2, 0.25),
    (5000, 0, 900, 360, 0, 5000, 1, 12.0),
    (5000, 0, 900, 1, 0, 5000, 4, 12.0),
]


def stateful_rounds() -> list[dict]:
    out = []
    for (last, pending, index, tempo, since, block, period, block_time) in STATEFUL:
        before = time.time()
        _, round_ = drand.get_encrypted_commit_v2([0], [1], 0, last, pending, index, tempo, since, block, period, block_time, ALICE)
        after = time.time()
        out.append(dict(state=dict(lastEpochBlock=last, pendingEpochAt=pending, epochIndex=index, tempo=tempo, blocksSinceLastStep=since, block=block),
                        revealPeriodEpochs=period, blockSeconds=block_time, before=before, after=after, revealRound=round_))
    return out


LEGACY = [
    # (tempo, current_block, netuid, reveal_period, block_time)
    (360, 1000, 1, 1, 12.0),
    (360, 1080, 1, 1, 12.0),
    (360, 1081, 1, 1, 12.0),
    (99, 5, 5, 3, 12.0),
    (10, 7, 3, 1, 0.25),
    (4320, 123456, 96, 2, 12.0),
]


def legacy_rounds_here() -> list[dict]:
    out = []
    for (tempo, block, netuid, period, block_time) in LEGACY:
        before = time.time()
        _, round_ = drand.get_encrypted_commit([0], [1], 0, tempo, block, netuid, period, block_time, ALICE)
        after = time.time()
        out.append(dict(state=dict(netuid=netuid, tempo=tempo, block=block), revealPeriodEpochs=period, blockSeconds=block_time, before=before, after=after, revealRound=round_))
    return out


def legacy_rounds() -> list[dict]:
    python = os.environ.get("LEGACY_DRAND_PYTHON")
    if not python:
        sys.exit("set LEGACY_DRAND_PYTHON to a python with bittensor-drand==1.2.0 (see the docstring)")
    done = subprocess.run([python, __file__, "--legacy"], check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def commitment_rounds() -> list[dict]:
    out = []
    for blocks, block_time in [(10, 12.0), (360, 12.0), (7, 0.25)]:
        before = time.time()
        _, round_ = drand.get_encrypted_commitment("user:repo", blocks, block_time)
        after = time.time()
        out.append(dict(blocks=blocks, blockSeconds=block_time, before=before, after=after, revealRound=round_))
    return out


def main() -> None:
    if "--legacy" in sys.argv:
        print(json.dumps(legacy_rounds_here()))
        return
    sdk_commit, sdk_round = drand.get_encrypted_commit_v2([1, 2], [3, 4], 5, 100, 0, 10, 50, 0, 120, 1, 12.0, ALICE)
    doc = {
        "library": f"bittensor-drand {drand_version()}",
        "round": 1000,
        "signature": SIG_1000,
        "theirs": theirs(),
        "ours": ours(),
        "statefulRounds": stateful_rounds(),
        "legacyRounds": legacy_rounds(),
        "commitmentRounds": commitment_rounds(),
        "sdkCommit": {"ciphertext": sdk_commit.hex(), "revealRound": sdk_round, "payloadBytes": len(payload(ALICE, [1, 2], [3, 4], 5))},
    }
    (FIXTURES / "timelock-vectors.json").write_text(json.dumps(doc, indent=1) + "\n")
    opened = sum(1 for v in doc["ours"] if v["opened"])
    print(f"wrote {FIXTURES / 'timelock-vectors.json'}: {len(doc['theirs'])} of theirs, {opened}/{len(doc['ours'])} of ours opened")


def drand_version() -> str:
    from importlib.metadata import version
    return version("bittensor-drand")


if __name__ == "__main__":
    main()
