#include "generate/chat_template.h"

#include <array>
#include <cctype>
#include <sstream>

#include "core/error.h"
#include "gguf/gguf_file.h"

namespace qs {
namespace {

struct Entry {
    ChatTemplate kind;
    const char* name;
};

constexpr std::array<Entry, 14> kNames = {{
    {ChatTemplate::None, "none"},
    {ChatTemplate::ChatML, "chatml"},
    {ChatTemplate::Llama2, "llama2"},
    {ChatTemplate::Llama2Sys, "llama2-sys"},
    {ChatTemplate::Llama2SysBos, "llama2-sys-bos"},
    {ChatTemplate::Llama2SysStrip, "llama2-sys-strip"},
    {ChatTemplate::MistralV1, "mistral-v1"},
    {ChatTemplate::MistralV3, "mistral-v3"},
    {ChatTemplate::MistralV3Tekken, "mistral-v3-tekken"},
    {ChatTemplate::MistralV7, "mistral-v7"},
    {ChatTemplate::Phi3, "phi3"},
    {ChatTemplate::Zephyr, "zephyr"},
    {ChatTemplate::Gemma, "gemma"},
    {ChatTemplate::Llama3, "llama3"},
}};

// Whitespace trimmed from both ends, as llama-chat.cpp's trim (isspace on each byte).
std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

ChatTemplateDetection found(ChatTemplate t) { return {true, t, ""}; }
ChatTemplateDetection unsupported(const char* name) { return {false, ChatTemplate::None, name}; }

void render_mistral(std::ostringstream& ss, ChatTemplate t, const std::vector<ChatMessage>& chat) {
    if (t == ChatTemplate::MistralV7) {
        for (const ChatMessage& m : chat) {
            if (m.role == "system") ss << "[SYSTEM_PROMPT] " << m.content << "[/SYSTEM_PROMPT]";
            else if (m.role == "user") ss << "[INST] " << m.content << "[/INST]";
            else ss << " " << m.content << "</s>";
        }
        return;
    }
    const std::string leading = t == ChatTemplate::MistralV1 ? " " : "";
    const std::string trailing = t == ChatTemplate::MistralV3Tekken ? "" : " ";
    const bool trim_assistant = t == ChatTemplate::MistralV3;
    bool inside_turn = false;
    for (const ChatMessage& m : chat) {
        if (!inside_turn) {
            ss << leading << "[INST]" << trailing;
            inside_turn = true;
        }
        if (m.role == "system") {
            ss << m.content << "\n\n";
        } else if (m.role == "user") {
            ss << m.content << leading << "[/INST]";
        } else {
            ss << trailing << (trim_assistant ? trim(m.content) : m.content) << "</s>";
            inside_turn = false;
        }
    }
}

void render_llama2(std::ostringstream& ss, ChatTemplate t, const std::vector<ChatMessage>& chat) {
    const bool system_supported = t != ChatTemplate::Llama2;
    const bool bos_inside = t == ChatTemplate::Llama2SysBos;
    const bool strip = t == ChatTemplate::Llama2SysStrip;
    bool inside_turn = true;  // the first [INST] goes without BOS (the tokenizer adds it)
    ss << "[INST] ";
    for (const ChatMessage& m : chat) {
        const std::string content = strip ? trim(m.content) : m.content;
        if (!inside_turn) {
            inside_turn = true;
            ss << (bos_inside ? "<s>[INST] " : "[INST] ");
        }
        if (m.role == "system") {
            if (system_supported) ss << "<<SYS>>\n" << content << "\n<</SYS>>\n\n";
            else ss << content << "\n";
        } else if (m.role == "user") {
            ss << content << " [/INST]";
        } else {
            ss << content << "</s>";
            inside_turn = false;
        }
    }
}

}  // namespace

const char* chat_template_name(ChatTemplate t) {
    for (const Entry& e : kNames)
        if (e.kind == t) return e.name;
    return "?";
}

std::vector<std::string> chat_template_names() {
    std::vector<std::string> v;
    for (const Entry& e : kNames) v.emplace_back(e.name);
    return v;
}

ChatTemplate chat_template_from_name(const std::string& name) {
    std::string known;
    for (const Entry& e : kNames) {
        if (name == e.name) return e.kind;
        known += (known.empty() ? "" : ", ") + std::string(e.name);
    }
    throw Error("unknown chat template '" + name + "' (known: " + known + ")");
}

ChatTemplateDetection chat_template_detect(const std::string& tmpl) {
    for (const Entry& e : kNames)
        if (tmpl == e.name && e.kind != ChatTemplate::None) return found(e.kind);
    const auto has = [&](const char* s) { return tmpl.find(s) != std::string::npos; };
    if (has("<|im_start|>")) {
        if (has("<|im_sep|>")) return unsupported("phi4");
        if (has("<end_of_utterance>")) return unsupported("smolvlm");
        return found(ChatTemplate::ChatML);
    }
    if (tmpl.rfind("mistral", 0) == 0 || has("[INST]")) {
        if (has("[SYSTEM_PROMPT]")) return found(ChatTemplate::MistralV7);
        if (has("' [INST] ' + system_message") || has("[AVAILABLE_TOOLS]")) {
            if (has(" [INST]")) return found(ChatTemplate::MistralV1);
            if (has("\"[INST]\"")) return found(ChatTemplate::MistralV3Tekken);
            return found(ChatTemplate::MistralV3);
        }
        if (has("content.strip()")) return found(ChatTemplate::Llama2SysStrip);
        if (has("bos_token + '[INST]")) return found(ChatTemplate::Llama2SysBos);
        if (has("<<SYS>>")) return found(ChatTemplate::Llama2Sys);
        return found(ChatTemplate::Llama2);
    }
    if (has("<|assistant|>") && has("<|end|>")) return found(ChatTemplate::Phi3);
    if (has("[gMASK]<sop>")) return unsupported("chatglm4");
    if (has("<|assistant|>") && has("<|user|>")) return unsupported(has("</s>") ? "falcon3" : "glmedge");
    if (has("<|{{ item['role'] }}|>") && has("<|begin_of_image|>")) return unsupported("glmedge");
    if (has("<|user|>") && has("<|endoftext|>")) return found(ChatTemplate::Zephyr);
    if (has("bos_token + message['role']")) return unsupported("monarch");
    if (has("<start_of_turn>")) return found(ChatTemplate::Gemma);
    if (has("<|start_header_id|>") && has("<|end_header_id|>")) return found(ChatTemplate::Llama3);
    return unsupported(tmpl.empty() ? "" : "unknown");
}

std::string chat_template_text(const GgufFile& file) { return file.get_string_or("tokenizer.chat_template", ""); }

ChatTemplate chat_template_resolve(const std::string& choice, const GgufFile& model) {
    if (choice != "auto") return chat_template_from_name(choice);
    const std::string text = chat_template_text(model);
    if (text.empty()) throw Error(model.path() + ": --chat-template auto: the model has no tokenizer.chat_template (use none or a family)");
    const ChatTemplateDetection d = chat_template_detect(text);
    if (!d.found)
        throw Error(model.path() + ": --chat-template auto: the model's template is " +
                    (d.unsupported == "unknown" ? std::string("not one llama.cpp recognises") : "llama.cpp's '" + d.unsupported + "', which QuantScope does not render") +
                    "; choose none or a family");
    return d.kind;
}

std::string chat_template_apply(ChatTemplate t, const std::vector<ChatMessage>& chat, bool add_generation_prompt) {
    std::ostringstream ss;
    switch (t) {
        case ChatTemplate::None:
            for (const ChatMessage& m : chat) ss << m.content;
            break;
        case ChatTemplate::ChatML:
            for (const ChatMessage& m : chat) ss << "<|im_start|>" << m.role << "\n" << m.content << "<|im_end|>\n";
            if (add_generation_prompt) ss << "<|im_start|>assistant\n";
            break;
        case ChatTemplate::MistralV1:
        case ChatTemplate::MistralV3:
        case ChatTemplate::MistralV3Tekken:
        case ChatTemplate::MistralV7:
            render_mistral(ss, t, chat);
            break;
        case ChatTemplate::Llama2:
        case ChatTemplate::Llama2Sys:
        case ChatTemplate::Llama2SysBos:
        case ChatTemplate::Llama2SysStrip:
            render_llama2(ss, t, chat);
            break;
        case ChatTemplate::Phi3:
            for (const ChatMessage& m : chat) ss << "<|" << m.role << "|>\n" << m.content << "<|end|>\n";
            if (add_generation_prompt) ss << "<|assistant|>\n";
            break;
        case ChatTemplate::Zephyr:
            for (const ChatMessage& m : chat) ss << "<|" << m.role << "|>\n" << m.content << "<|endoftext|>\n";
            if (add_generation_prompt) ss << "<|assistant|>\n";
            break;
        case ChatTemplate::Gemma: {
            std::string system;  // gemma has no system turn: it goes in front of the next user turn
            for (const ChatMessage& m : chat) {
                if (m.role == "system") {
                    system += trim(m.content);
                    continue;
                }
                const std::string role = m.role == "assistant" ? "model" : m.role;
                ss << "<start_of_turn>" << role << "\n";
                if (!system.empty() && role != "model") {
                    ss << system << "\n\n";
                    system.clear();
                }
                ss << trim(m.content) << "<end_of_turn>\n";
            }
            if (add_generation_prompt) ss << "<start_of_turn>model\n";
            break;
        }
        case ChatTemplate::Llama3:
            for (const ChatMessage& m : chat)
                ss << "<|start_header_id|>" << m.role << "<|end_header_id|>\n\n" << trim(m.content) << "<|eot_id|>";
            if (add_generation_prompt) ss << "<|start_header_id|>assistant<|end_header_id|>\n\n";
            break;
    }
    return ss.str();
}

std::string chat_wrap_prompt(ChatTemplate t, const std::string& prompt) {
    if (t == ChatTemplate::None) return prompt;
    return chat_template_apply(t, {{"user", prompt}}, true);
}

}  // namespace qs
