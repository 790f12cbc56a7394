// Chat template detection and rendering (engine/generate/chat_template.h), against the markers and
// layouts llama.cpp's llm_chat_detect_template / llm_chat_apply_template use. The template texts
// below are short stand-ins carrying each family's markers.
#include <gtest/gtest.h>

#include "core/error.h"
#include "generate/chat_template.h"

namespace qs {
namespace {

ChatTemplate detect(const std::string& t) {
    const ChatTemplateDetection d = chat_template_detect(t);
    EXPECT_TRUE(d.found) << t << " -> unsupported " << d.unsupported;
    return d.kind;
}

TEST(ChatTemplate, DetectsEachFamilyByLlamaCppsMarkers) {
    EXPECT_EQ(detect("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>{% endfor %}"), ChatTemplate::ChatML);
    EXPECT_EQ(detect("{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>{% endfor %}"),
              ChatTemplate::Llama3);
    EXPECT_EQ(detect("{{ bos_token }}{% if m.role == 'user' %}<start_of_turn>user{% endif %}"), ChatTemplate::Gemma);
    EXPECT_EQ(detect("{% if m.role == 'user' %}<|user|>{{ m.content }}<|end|><|assistant|>{% endif %}"), ChatTemplate::Phi3);
    EXPECT_EQ(detect("{% for m in messages %}<|user|>\n{{ m.content }}<|endoftext|>{% endfor %}"), ChatTemplate::Zephyr);
    EXPECT_EQ(detect("{{ bos_token }}{% if m.role == 'user' %}[INST] {{ m.content }} [/INST]{% endif %}"), ChatTemplate::Llama2);
    EXPECT_EQ(detect("[INST] <<SYS>>\\n{{ system }}\\n<</SYS>>"), ChatTemplate::Llama2Sys);
    EXPECT_EQ(detect("{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"), ChatTemplate::Llama2SysStrip);
    EXPECT_EQ(detect("{{ bos_token + '[INST] ' + content + ' [/INST]' }}"), ChatTemplate::Llama2SysBos);
    EXPECT_EQ(detect("{{ '[SYSTEM_PROMPT]' + system + '[/SYSTEM_PROMPT]' }}[INST]"), ChatTemplate::MistralV7);
    EXPECT_EQ(detect("{{ ' [INST] ' + system_message }}"), ChatTemplate::MistralV1);
    EXPECT_EQ(detect("[AVAILABLE_TOOLS]{{ \"[INST]\" + content }}"), ChatTemplate::MistralV3Tekken);
    EXPECT_EQ(detect("[AVAILABLE_TOOLS]{{ '[INST]' + content }}"), ChatTemplate::MistralV3);
    EXPECT_EQ(detect("chatml"), ChatTemplate::ChatML);  // a llama.cpp template name stands for itself
}

TEST(ChatTemplate, FirstMatchWinsAsInLlamaCpp) {
    // ChatML markers come first: a template with both <|im_start|> and [INST] is chatml.
    EXPECT_EQ(detect("<|im_start|>[INST]"), ChatTemplate::ChatML);
    // <|im_sep|> makes it phi4, which we do not render: reported, not guessed.
    const ChatTemplateDetection phi4 = chat_template_detect("<|im_start|>user<|im_sep|>");
    EXPECT_FALSE(phi4.found);
    EXPECT_EQ(phi4.unsupported, "phi4");
    EXPECT_EQ(chat_template_detect("<|assistant|><|user|></s>").unsupported, "falcon3");
    EXPECT_EQ(chat_template_detect("").unsupported, "");
    EXPECT_EQ(chat_template_detect("plain text").unsupported, "unknown");
}

const std::vector<ChatMessage> kChat = {{"system", "Be brief."}, {"user", " Hi "}, {"assistant", "Hello."}, {"user", "2+2?"}};

TEST(ChatTemplate, RendersEachFamilyAsLlamaCppsBuiltIn) {
    EXPECT_EQ(chat_template_apply(ChatTemplate::ChatML, kChat, true),
              "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n Hi <|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"
              "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_EQ(chat_template_apply(ChatTemplate::Llama3, kChat, true),
              "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\n");
    EXPECT_EQ(chat_template_apply(ChatTemplate::Gemma, kChat, true),
              "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n"
              "<start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>model\n");
    EXPECT_EQ(chat_template_apply(ChatTemplate::Phi3, kChat, true),
              "<|system|>\nBe brief.<|end|>\n<|user|>\n Hi <|end|>\n<|assistant|>\nHello.<|end|>\n<|user|>\n2+2?<|end|>\n<|assistant|>\n");
    EXPECT_EQ(chat_template_apply(ChatTemplate::Zephyr, kChat, true),
              "<|system|>\nBe brief.<|endoftext|>\n<|user|>\n Hi <|endoftext|>\n<|assistant|>\nHello.<|endoftext|>\n"
              "<|user|>\n2+2?<|endoftext|>\n<|assistant|>\n");
    EXPECT_EQ(chat_template_apply(ChatTemplate::Llama2Sys, kChat, true),
              "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi  [/INST]Hello.</s>[INST] 2+2? [/INST]");
    EXPECT_EQ(chat_template_apply(ChatTemplate::Llama2, kChat, true), "[INST] Be brief.\n Hi  [/INST]Hello.</s>[INST] 2+2? [/INST]");
    EXPECT_EQ(chat_template_apply(ChatTemplate::Llama2SysBos, kChat, true),
              "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi  [/INST]Hello.</s><s>[INST] 2+2? [/INST]");
    EXPECT_EQ(chat_template_apply(ChatTemplate::MistralV7, kChat, true),
              "[SYSTEM_PROMPT] Be brief.[/SYSTEM_PROMPT][INST]  Hi [/INST] Hello.</s>[INST] 2+2?[/INST]");
    EXPECT_EQ(chat_template_apply(ChatTemplate::MistralV1, kChat, true),
              " [INST] Be brief.\n\n Hi  [/INST] Hello.</s> [INST] 2+2? [/INST]");
    EXPECT_EQ(chat_template_apply(ChatTemplate::MistralV3Tekken, kChat, true), "[INST]Be brief.\n\n Hi [/INST]Hello.</s>[INST]2+2?[/INST]");
    EXPECT_EQ(chat_template_apply(ChatTemplate::None, kChat, true), "Be brief. Hi Hello.2+2?");
}

TEST(ChatTemplate, TaskPromptIsOneUserTurn) {
    EXPECT_EQ(chat_wrap_prompt(ChatTemplate::None, "Question: 1+1?\nAnswer:"), "Question: 1+1?\nAnswer:");
    EXPECT_EQ(chat_wrap_prompt(ChatTemplate::ChatML, "Q"), "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplate, NamesRoundTripAndUnknownIsAnError) {
    for (const std::string& n : chat_template_names()) EXPECT_EQ(chat_template_name(chat_template_from_name(n)), n);
    EXPECT_THROW(chat_template_from_name("vicuna"), Error);
}

}  // namespace
}  // namespace qs
