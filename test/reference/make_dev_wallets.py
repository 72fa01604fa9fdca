"""Makes dev hotkeys with bittensor-wallet, the way `btcli --uri` and create_hotkey_from_uri do:
files that hold only a 64-byte privateKey (no seed, no phrase), for //Alice and for a derivation
path of a public test phrase (these keys must never hold funds). Then, both directions:
bittensor-wallet signs a message with each (our loader must verify those), and it verifies the
signatures our loader made (test/fixtures/chain/dev-wallet-ours.json, written by
write_our_dev_signatures.ts); the verdicts go to dev-wallet-signatures.json.

    /work/venv-ref/bin/python test/reference/make_dev_wallets.py --wallets
    node --loader ts-node/esm test/reference/write_our_dev_signatures.ts
    /work/venv-ref/bin/python test/reference/make_dev_wallets.py
"""
import json
import pathlib
import shutil
import sys

from bittensor_wallet import Keypair, Wallet

PHRASE = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"
HOTKEYS = {"alice": "//Alice", "hot1": f"{PHRASE}//hot/1", "soft": f"{PHRASE}/soft/7"}
MESSAGE = b"flock dev wallet"
FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "chain"
ROOT = FIXTURES / "dev-wallets"


def wallets() -> None:
    shutil.rmtree(ROOT, ignore_errors=True)
    for name, uri in HOTKEYS.items():
        Wallet(name="dev", hotkey=name, path=str(ROOT)).create_hotkey_from_uri(uri, use_password=False, overwrite=True, suppress=True)
    print(f"wallet 'dev' at {ROOT}: hotkeys {', '.join(HOTKEYS)}")


def signatures() -> None:
    theirs = []
    for name, uri in HOTKEYS.items():
        kp = Keypair.create_from_uri(uri)
        theirs.append({"hotkey": name, "address": kp.ss58_address, "signature": "0x" + kp.sign(MESSAGE).hex()})
    ours = json.loads((FIXTURES / "dev-wallet-ours.json").read_text())
    verdicts = []
    for s in ours["signatures"]:
        ok = Keypair(ss58_address=s["address"]).verify(MESSAGE, bytes.fromhex(s["signature"][2:]))
        verdicts.append({**s, "verified": bool(ok)})
    doc = {"message": MESSAGE.decode(), "theirs": theirs, "ours": verdicts}
    (FIXTURES / "dev-wallet-signatures.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{sum(v['verified'] for v in verdicts)}/{len(verdicts)} of our signatures verified by bittensor-wallet")


if __name__ == "__main__":
    wallets() if "--wallets" in sys.argv else signatures()
