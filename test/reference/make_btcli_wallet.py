"""Makes a wallet in btcli's layout with bittensor-wallet (the library btcli uses).

The mnemonic is a public test phrase: this wallet must never hold funds.
Run with the venv described in make_commit_reveal_vector.py:

    /tmp/venv-bt/bin/python test/reference/make_btcli_wallet.py
"""
import pathlib
import shutil

from bittensor_wallet import Wallet

PHRASE = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"


def main() -> None:
    root = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "chain" / "wallets"
    shutil.rmtree(root, ignore_errors=True)
    wallet = Wallet(name="fixture", hotkey="default", path=str(root))
    # Unencrypted coldkey so the fixture needs no password; loaders never read it.
    wallet.regenerate_coldkey(mnemonic=PHRASE, use_password=False, overwrite=True, suppress=True)
    wallet.regenerate_hotkey(mnemonic=PHRASE, use_password=False, overwrite=True, suppress=True)
    print(f"wallet at {root}: hotkey {wallet.hotkey.ss58_address}")


if __name__ == "__main__":
    main()
