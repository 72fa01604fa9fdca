/**
 * Secret scrubbing for any text that reaches an error message or a log line: server error
 * bodies, URLs and library messages may echo the token back.
 */

// The shape of Hugging Face user/org access tokens.
const HF_TOKEN_SHAPE = /hf_[A-Za-z0-9]{8,}/g
const MASK = 'hf_***'

export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join(MASK)
  }
  return out.replace(HF_TOKEN_SHAPE, MASK)
}
