import { FlockError } from '../errors.js'

/** tokenizer.json / tokenizer_config.json / chat_template.jinja missing or malformed (E_TOKENIZER). */
export class TokenizerError extends FlockError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_TOKENIZER', message, options)
  }
}

/** The chat template failed to render a row, or renders it in a way no mask can be taken from (E_CHAT_TEMPLATE). */
export class ChatTemplateError extends FlockError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CHAT_TEMPLATE', message, options)
  }
}

/** Rendering the chat template passed a limit on steps, string or list size (E_TEMPLATE_LIMIT). */
export class TemplateLimitError extends FlockError {
  constructor(message: string) {
    super('E_TEMPLATE_LIMIT', message)
  }
}
