"""Where Python huggingface_hub puts its hub cache for a given environment: HF_HOME,
HF_HUB_CACHE, the legacy HUGGINGFACE_HUB_CACHE and XDG_CACHE_HOME, with `~` and `$VAR`
in them. Writes test/fixtures/hub/cache-paths.json, which test/hub/cache-dir.test.ts
holds defaultHubCacheDir() to.

    python3 -m venv .venv-ref && .venv-ref/bin/pip install huggingface_hub
    .venv-ref/bin/python test/reference/make_hub_cache_paths.py
"""
import json
import os
import subprocess
import sys

import huggingface_hub

HOME = "/home/tester"
CASES = [
    {},
    {"HF_HOME": "/data/hf"},
    {"HF_HOME": "~/hf"},
    {"HF_HOME": "~"},
    {"HF_HOME": "$DATA/hf", "DATA": "/mnt/data"},
    {"HF_HOME": "${DATA}/hf", "DATA": "/mnt/data"},
    {"HF_HOME": "$NOT_SET/hf"},
    {"HF_HOME": "relative/hf"},
    {"XDG_CACHE_HOME": "/xdg"},
    {"XDG_CACHE_HOME": "~/xdg"},
    {"HF_HUB_CACHE": "~/hub-cache"},
    {"HF_HUB_CACHE": "$DATA/hub", "DATA": "/mnt/data", "HF_HOME": "/ignored"},
    {"HUGGINGFACE_HUB_CACHE": "~/legacy"},
    {"HUGGINGFACE_HUB_CACHE": "/legacy", "HF_HUB_CACHE": "/new"},
    {"HF_HOME": "~other/hf"},
    {"HF_HOME": "/a/$B${C}d", "B": "bee", "C": "sea"},
]

PROBE = "import huggingface_hub.constants as c; print(c.HF_HUB_CACHE)"


def main() -> None:
    out = []
    for env in CASES:
        full = {"HOME": HOME, "PATH": os.environ.get("PATH", ""), **env}
        got = subprocess.run([sys.executable, "-c", PROBE], env=full, capture_output=True, text=True, check=True).stdout.strip()
        out.append({"env": env, "hubCache": got})
    path = os.path.join(os.path.dirname(__file__), "..", "fixtures", "hub", "cache-paths.json")
    with open(path, "w") as f:
        json.dump({"generator": f"huggingface_hub {huggingface_hub.__version__}", "home": HOME, "cases": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
