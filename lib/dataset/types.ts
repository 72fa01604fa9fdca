/** One message of a conversation. */
export interface ChatMessage {
  role: 'user' | 'assistant'
  content: string
}

/**
 * One dataset row, normalized: `system` is null when the line had none.
 * `conversations` alternates user/assistant, starts with user, ends with assistant.
 */
export interface DatasetRow {
  system: string | null
  conversations: ChatMessage[]
}
