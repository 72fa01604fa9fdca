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
  const char* device;  /* "cpu" (NULL means "cpu") */
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

#ifdef __cplusplus
}
#endif

#endif /* FLOCK_LORA_H */
