#!/usr/bin/env bash
# A CUDA compiler and the headers and libraries the CUDA backend builds against, from
# NVIDIA's PyPI wheels (about 570 MB to download), unpacked into DIR (default
# .cache/cuda-toolchain). Enough to compile and link libflock_cuda.so and test_cuda on a
# machine without a GPU or a system CUDA install; nothing here can run a kernel.
# Prints the path of nvcc. Usage: bash native/test/fetch_cuda_toolchain.sh [DIR]
set -euo pipefail
dir=${1:-.cache/cuda-toolchain}
nvcc="$dir/nvidia/cu13/bin/nvcc"
if [ -x "$nvcc" ] && [ -f "$dir/.complete" ]; then echo "$nvcc"; exit 0; fi
wheels=(nvidia-cuda-nvcc==13.5.37 nvidia-cuda-crt==13.5.37 nvidia-nvvm==13.5.37 nvidia-cuda-runtime==13.5.37
        nvidia-cuda-cccl==13.3.5.0.6 nvidia-cublas==13.10.0.20)
mkdir -p "$dir/wheels"
python3 -m pip download --quiet --no-deps --only-binary=:all: \
  -d "$dir/wheels" "${wheels[@]}" >&2
for w in "$dir"/wheels/*.whl; do python3 -m zipfile -e "$w" "$dir" >&2; done
rm -rf "$dir/wheels"
chmod +x "$dir"/nvidia/cu13/bin/* "$dir"/nvidia/cu13/nvvm/bin/* 2>/dev/null || true
touch "$dir/.complete"
echo "$nvcc"
