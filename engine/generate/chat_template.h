// Chat templates for instruct models: which family a model's tokenizer.chat_template belongs to,
// recognised by the markers llama.cpp's llm_chat_detect_template looks for (src/llama-chat.cpp),
// and the prompt llama.cpp's built-in renderer (llm_chat_apply_template) makes of a conversation.
// Not a Jinja interpreter: like llama.cpp's fallback, the families are rendered by hand.
//
// Families (names as llama.cpp's --chat-template): chatml (Qwen, many others), llama2 (+ -sys,
// -sys-bos, -sys-strip), mistral-v1, mistral-v3, mistral-v3-tekken, mistral-v7, phi3, zephyr,
// gemma, llama3; and none: the prompt as is (lm-eval's default for base models).
//
// Detection order (the first that matches wins), as llama.cpp:
//   "<|im_start|>" -> chatml (phi4 / smolvlm markers: unsupported)
//   starts with "mistral" or has "[INST]" -> "[SYSTEM_PROMPT]": mistral-v7; "' [INST] ' +
//       system_message" or "[AVAILABLE_TOOLS]": mistral-v1 (" [INST]"), -v3-tekken ("\"[INST]\""),
//       else -v3; otherwise llama2: "content.strip()" -sys-strip, "bos_token + '[INST]" -sys-bos,
//       "<<SYS>>" -sys, else llama2
//   "<|assistant|>" and "<|end|>" -> phi3
//   ("[gMASK]<sop>", "<|assistant|>" + "<|user|>": other families, unsupported)
//   "<|user|>" and "<|endoftext|>" -> zephyr
//   "<start_of_turn>" -> gemma
//   "<|start_header_id|>" and "<|end_header_id|>" -> llama3
#pragma once

#include <string>
#include <vector>

namespace qs {

class GgufFile;

enum class ChatTemplate {
    None,
    ChatML,
    Llama2,
    Llama2Sys,
    Llama2SysBos,
    Llama2SysStrip,
    MistralV1,
    MistralV3,
    MistralV3Tekken,
    MistralV7,
    Phi3,
    Zephyr,
    Gemma,
    Llama3,
};

// llama.cpp's names ("none" for None).
const char* chat_template_name(ChatTemplate t);
// Every name chat_template_from_name accepts, in the enum's order.
std::vector<std::string> chat_template_names();
// Throws qs::Error listing the known names.
ChatTemplate chat_template_from_name(const std::string& name);

struct ChatTemplateDetection {
    bool found = false;            // the family is one of ours
    ChatTemplate kind = ChatTemplate::None;
    std::string unsupported;       // llama.cpp knows it, we do not render it ("phi4", "falcon3", ...)
};
// The family of a Jinja template text (or of a llama.cpp template name given instead of a template).
ChatTemplateDetection chat_template_detect(const std::string& jinja);
// tokenizer.chat_template of the model, "" when it has none.
std::string chat_template_text(const GgufFile& file);

// What a user's choice means for this model: "auto" detects the model's family (qs::Error naming
// the file when it has no template or one we do not render), otherwise a family name or "none".
ChatTemplate chat_template_resolve(const std::string& choice, const GgufFile& model);

struct ChatMessage {
    std::string role;     // "system", "user", "assistant"
    std::string content;
};

// The conversation rendered as llama.cpp's built-in template does, with the assistant's opening
// when add_generation_prompt. None: the contents concatenated as they are.
std::string chat_template_apply(ChatTemplate t, const std::vector<ChatMessage>& messages, bool add_generation_prompt);

// A task prompt as one user turn and the assistant's opening (None: the prompt unchanged).
std::string chat_wrap_prompt(ChatTemplate t, const std::string& prompt);

}  // namespace qs
