#!/usr/bin/env bash
# One call on a GPU machine: build the core and the CUDA backend, run the C++ tests
# (CPU) and the GPU checks (kernels vs CPU, full runs, memory, timing table).
# No Node needed. Usage (from the repo root):  bash native/test/run_gpu_checks.sh [OUT_DIR]
#   NVCC=/path/to/nvcc              when nvcc is not on PATH or in /usr/local/cuda/bin
#   FLOCK_CUDA_ARCH=90               CUDA architectures (default: 90)
#   FLOCK_SKIP_BIG=1                 skip the qwen2.5-0.5b-shaped model (needs python3 + transformers)
set -uo pipefail
out=${1:-${OUT:-/tmp/flock-gpu}}
mkdir -p "$out"
nvcc=${NVCC:-$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)}
[ -n "$nvcc" ] || { echo "no nvcc found (set NVCC)"; exit 2; }
# cuBLAS and cudart from a system toolkit or from PyTorch's nvidia wheels
libdirs=$(python3 - <<'PY' 2>/dev/null
import glob, os, site
dirs = set()
for sp in site.getsitepackages() + [site.getusersitepackages()]:
    for lib in glob.glob(os.path.join(sp, "nvidia", "*", "lib")) + glob.glob(os.path.join(sp, "nvidia", "*", "*", "lib")):
        if glob.glob(os.path.join(lib, "libcublas*")) or glob.glob(os.path.join(lib, "libcudart*")):
            dirs.add(lib)
print(";".join(sorted(dirs)))
PY
)
incdirs=$(echo "$libdirs" | tr ';' '\n' | sed 's#/lib$#/include#' | paste -sd';')
set -x
cmake -S native -B build-gpu -DCMAKE_BUILD_TYPE=Release -DFLOCK_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc" \
  -DCMAKE_CUDA_ARCHITECTURES="${FLOCK_CUDA_ARCH:-90}" -DFLOCK_CUDA_LIB_DIRS="$libdirs" -DFLOCK_CUDA_INCLUDE_DIRS="$incdirs" \
  >"$out/cmake.log" 2>&1 || { tail -40 "$out/cmake.log"; exit 1; }
cmake --build build-gpu -j"$(nproc)" >"$out/build.log" 2>&1 || { grep -E "error" "$out/build.log" | head -40; exit 1; }
set +x
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
ctest --test-dir build-gpu --output-on-failure 2>&1 | tee "$out/ctest.log" | tail -15
big=""
if [ "${FLOCK_SKIP_BIG:-0}" != "1" ]; then
  big=/tmp/flock-qwen05b
  [ -f "$big/model.safetensors" ] || python3 - "$big" <<'PY' >"$out/big-model.log" 2>&1
import sys, torch
from transformers import Qwen2Config, Qwen2ForCausalLM
cfg = Qwen2Config(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                  num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=1e6, tie_word_embeddings=True, max_position_embeddings=32768)
torch.manual_seed(0)
Qwen2ForCausalLM(cfg).to(torch.bfloat16).save_pretrained(sys.argv[1])
PY
fi
FLOCK_CUDA_LIBRARY=$PWD/build-gpu/native/lora_cuda/libflock_cuda.so
[ -f "$FLOCK_CUDA_LIBRARY" ] || FLOCK_CUDA_LIBRARY=$(find build-gpu -name libflock_cuda.so | head -1)
export FLOCK_CUDA_LIBRARY
test_cuda=$(find build-gpu -name test_cuda -type f | head -1)
"$test_cuda" test/fixtures $big 2>&1 | tee "$out/test_cuda.log"
