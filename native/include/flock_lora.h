/*
 * flock_lora.h — the C ABI of the FLock LoRA trainer.
 *
 * Everything above this line (the N-API addon, the C++ test binaries, other
 * languages) talks to the core only through these opaque handles, plain
 * structs and status codes. Every function that can fail returns a
 * flock_status and, when `err` is not NULL, fills it with a message that names
 * the offending file, tensor, field or argument.
 */
#ifndef FLOCK_LORA_H
#define FLOCK_LORA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FLOCK_ABI_VERSION 1

typedef enum flock_status {
  FLOCK_OK = 0,
  FLOCK_E_INVALID_ARGUMENT = 1, /* a caller-supplied value is out of range */
  FLOCK_E_IO = 2,               /* a file is missing or cannot be read */
  FLOCK_E_FORMAT = 3,           /* a file is malformed (safetensors header, JSON) */
  FLOCK_E_CONFIG = 4,           /* config.json is missing a field or has a bad value */
  FLOCK_E_UNSUPPORTED = 5,      /* unknown architecture or unsupported option */
  FLOCK_E_TENSOR = 6,           /* a tensor is missing or has the wrong shape/dtype */
  FLOCK_E_OUT_OF_MEMORY = 7,
  FLOCK_E_CANCELLED = 8,
  FLOCK_E_DEVICE = 9,           /* the requested device is unavailable or failed */
  FLOCK_E_NUMERIC = 10,         /* a loss or gradient became NaN/Inf */
  FLOCK_E_INTERNAL = 11
} flock_status;

#define FLOCK_ERROR_MESSAGE_MAX 2048

typedef struct flock_error {
  flock_status status;
  char message[FLOCK_ERROR_MESSAGE_MAX];
} flock_error;

/* Short stable name of a status ("E_TENSOR", ...). Never NULL. */
const char* flock_status_name(flock_status status);

/* Version of this ABI (FLOCK_ABI_VERSION) and a build description. */
int32_t flock_abi_version(void);
const char* flock_build_info(void);

/* ---------------------------------------------------------------- models -- */

typedef struct flock_model flock_model;

typedef struct flock_load_options {
  const char* device;  /* where weights are read from: "cpu" (NULL); runs pick their device */
  int32_t num_threads; /* 0 = all hardware threads */
} flock_load_options;

#define FLOCK_NAME_MAX 64

typedef struct flock_model_info {
  char architecture[FLOCK_NAME_MAX]; /* e.g. "Qwen2ForCausalLM" */
  char model_type[FLOCK_NAME_MAX];   /* e.g. "qwen2" */
  char weight_dtype[8];              /* dtype of most weight bytes: "F32" | "BF16" | "F16" */
  int32_t vocab_size;
  int32_t hidden_size;
  int32_t intermediate_size;
  int32_t num_layers;
  int32_t num_heads;
  int32_t num_kv_heads;
  int32_t head_dim;
  int32_t max_position_embeddings;
  int32_t sliding_window; /* 0 = none; else applies to layers marked sliding */
  int32_t tie_word_embeddings;
  int32_t attention_bias; /* q/k/v carry a bias */
  int32_t o_bias;         /* o_proj carries a bias */
  int32_t mlp_bias;
  double rms_norm_eps;
  double rope_theta;
  char rope_type[16]; /* "default" | "llama3" */
  double rope_factor;
  double rope_low_freq_factor;
  double rope_high_freq_factor;
  int32_t rope_original_max_position;
  int64_t num_parameters;
  int64_t weight_bytes;
  int32_t num_threads;
} flock_model_info;

flock_status flock_model_load(const char* dir, const flock_load_options* options,
                              flock_model** out, flock_error* err);
void flock_model_free(flock_model* model);
flock_status flock_model_get_info(const flock_model* model, flock_model_info* out,
                                  flock_error* err);

/* ------------------------------------------------------------- batches -- */

/*
 * A batch of token sequences laid end to end. Sequence s spans tokens
 * [seq_offsets[s], seq_offsets[s+1]). No attention crosses a sequence
 * boundary and positions restart at 0 in each sequence.
 * loss_mask[i] != 0 means token i is a prediction target: the logits at
 * position i-1 of the same sequence are scored against tokens[i]
 * (HF's shifted labels, with -100 where the mask is 0).
 */
typedef struct flock_batch {
  const int32_t* tokens;
  const uint8_t* loss_mask;
  const int64_t* seq_offsets; /* num_seqs + 1 entries, offsets[0] = 0 */
  int64_t num_seqs;
} flock_batch;

typedef struct flock_forward_output {
  double loss_sum;           /* sum of token cross-entropies over targets */
  int64_t num_targets;       /* number of target tokens */
  double* seq_loss_sum;      /* optional [num_seqs] */
  int64_t* seq_num_targets;  /* optional [num_seqs] */
  float* logits;             /* optional [num_tokens * vocab_size] */
} flock_forward_output;

/* Forward pass of the base model (no adapter) and masked cross-entropy. */
flock_status flock_forward(flock_model* model, const flock_batch* batch,
                           flock_forward_output* out, flock_error* err);

/* ------------------------------------------------------------ training -- */

/* LoRA target modules (bit flags). */
#define FLOCK_TARGET_Q_PROJ (1u << 0)
#define FLOCK_TARGET_K_PROJ (1u << 1)
#define FLOCK_TARGET_V_PROJ (1u << 2)
#define FLOCK_TARGET_O_PROJ (1u << 3)
#define FLOCK_TARGET_GATE_PROJ (1u << 4)
#define FLOCK_TARGET_UP_PROJ (1u << 5)
#define FLOCK_TARGET_DOWN_PROJ (1u << 6)
#define FLOCK_TARGET_ALL_LINEAR 0x7fu

typedef struct flock_lora_config {
  uint32_t targets;      /* FLOCK_TARGET_* bits */
  int32_t rank;
  double alpha;
  int32_t use_rslora;    /* scale alpha/sqrt(r) instead of alpha/r */
  double dropout;        /* on the LoRA input, training only */
  int32_t gaussian_init; /* A ~ N(0, 1/r^2) instead of kaiming-uniform */
} flock_lora_config;

typedef enum flock_schedule {
  FLOCK_SCHEDULE_LINEAR = 0,
  FLOCK_SCHEDULE_COSINE = 1,
  FLOCK_SCHEDULE_CONSTANT = 2
} flock_schedule;

typedef struct flock_train_config {
  double lr;
  int32_t schedule;      /* flock_schedule */
  int64_t warmup_steps;  /* 0: use warmup_ratio */
  double warmup_ratio;
  int32_t epochs;
  int64_t max_steps;     /* > 0: stop after this many optimizer steps */
  int32_t micro_batch_size; /* sequences per micro-batch */
  int32_t grad_accum;
  double max_grad_norm;  /* 0: no clipping */
  double beta1, beta2, eps, weight_decay;
  uint64_t seed;
  int32_t shuffle;       /* data order from the seed (else file order) */
  int64_t eval_batch_tokens;
  int32_t eval_before;   /* also evaluate the freshly initialised adapter */
} flock_train_config;

typedef struct flock_progress {
  const char* phase; /* "train" | "eval" */
  int64_t step, total_steps;
  int32_t epoch;
  double loss, lr, grad_norm, tokens_per_s, elapsed_s;
  int64_t tokens_seen;
  int64_t eval_done, eval_total;
} flock_progress;

/* Called on the training thread after every optimizer step and eval batch. */
typedef void (*flock_progress_fn)(void* user, const flock_progress* progress);

typedef struct flock_train_request {
  flock_batch train;
  flock_batch eval;
  flock_lora_config lora;
  flock_train_config config;
  const char* init_adapter_dir; /* NULL: fresh init from the seed */
  const char* save_adapter_dir; /* NULL: do not write the adapter */
  const char* base_model_name;  /* for adapter_config.json */
  const int32_t* cancel_flag;   /* read atomically; non-zero cancels (E_CANCELLED) */
  flock_progress_fn progress;
  void* progress_user;
  const char* device;    /* "cpu" (NULL), "cuda", "cuda:N" or "auto" */
  const char* precision; /* "default" (NULL): fp32 on the CPU, bf16 on CUDA; or "fp32" | "bf16" */
} flock_train_request;

typedef struct flock_eval_loss {
  double token_mean;   /* sum of losses / number of target tokens */
  double example_mean; /* mean over examples of their mean token loss (HF Trainer, eval batch 1) */
  int64_t targets;
  int64_t examples;         /* examples with at least one target */
  int64_t skipped_examples; /* examples without targets */
  int64_t tokens;
} flock_eval_loss;

typedef struct flock_train_result {
  flock_eval_loss eval;
  flock_eval_loss eval_before;
  int32_t has_eval_before;
  int64_t steps;
  int32_t epochs_started;
  int64_t train_tokens, train_targets;
  double train_seconds, eval_seconds, tokens_per_s;
  int64_t peak_rss_bytes;       /* sampled resident set size during the run */
  int64_t peak_workspace_bytes; /* activation memory held at once */
  int64_t lora_params;
  char backend[16];    /* "cpu" | "cuda" */
  char device[64];     /* the device that ran: "cpu" or "cuda:N (name)" */
  char device_note[256]; /* why "auto" picked it */
  double* step_loss; /* [steps], owned by the result: flock_train_result_free */
  double* step_lr;
  double* step_grad_norm;
} flock_train_result;

/* Trains a fresh (or given) LoRA adapter on `train`, then evaluates it on `eval`. */
flock_status flock_train_and_evaluate(flock_model* model, const flock_train_request* request, flock_train_result* out,
                                      flock_error* err);
void flock_train_result_free(flock_train_result* result);

/* The FP32 peak of this machine's CPU as the benchmarks estimate it (native/src/cpu/cpu_peak.hpp):
   per core, lanes × FMA units × 2 FLOP per cycle at the clock measured on the calling thread,
   for the instruction set the CPU kernels use. Measures for about 0.1 s. */
typedef struct flock_cpu_peak {
  char isa[16];        /* "avx512" | "avx2" | "scalar" (FLOCK_CPU_ISA may force a lower one) */
  int32_t lanes;       /* fp32 lanes per vector */
  int32_t fma_units;   /* FMA instructions per cycle per core */
  double flops_per_cycle;
  double ghz;          /* measured clock of one busy core */
  double fma_gflops_per_core; /* measured FMA throughput of one core, a check of the above */
} flock_cpu_peak;
void flock_cpu_peak_measure(flock_cpu_peak* out);

/* CUDA devices usable by this build (libflock_cuda.so found and a driver present),
   or -1 with the reason in `why` (capacity `cap`). */
int32_t flock_cuda_devices(char* why, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* FLOCK_LORA_H */
