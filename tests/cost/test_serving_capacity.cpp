// Serving capacity worked out by hand: weights and KV cache in the profile's usable memory bound
// the sequences served at once and the longest context; a precision that does not fit is never
// recommended for its price on that profile; the price table's memory figures are checked.
#include <gtest/gtest.h>

#include "core/error.h"
#include "cost/price_table.h"
#include "cost/profile_speeds.h"
#include "cost/run_recommendation.h"
#include "cost/serving_capacity.h"

namespace qs {
namespace {

HardwarePrice gpu_24gb() {
    HardwarePrice h;
    h.name = "gpu-24";
    h.usd_per_hour = 1.0;
    h.kind = HardwareKind::Gpu;
    h.memory_gb = 24;
    h.memory_source = "datasheet";
    return h;
}

RooflineParams params() {
    RooflineParams p;
    p.memory_usable_fraction = 0.9;   // 21.6 GB usable
    p.serving_context_tokens = 4096;
    return p;
}

TEST(ServingCapacity, KvBytesBoundTheSequencesAndTheContext) {
    ModelFootprint fp{"F16", 14e9, 7e9, 524288};  // 7 B params in F16, llama-7B-like KV: 0.5 MiB per position
    const ServingCapacity c = serving_capacity(gpu_24gb(), params(), fp);
    ASSERT_TRUE(c.known);
    EXPECT_TRUE(c.fits);
    // (21.6e9 - 14e9) / 524288 = 14495.8 positions; 14495 / 4096 = 3 sequences.
    EXPECT_EQ(c.max_context, 14495);
    EXPECT_EQ(c.max_sequences, 3);
    // A q8_0 cache (34/64 of f16's bytes per value) fits more: 7.6e9 / 278528 = 27286 positions, 6 sequences.
    fp.kv_bytes_per_position = 524288.0 * 34 / 64;
    EXPECT_EQ(serving_capacity(gpu_24gb(), params(), fp).max_sequences, 6);
    // Q4_K_M weights (4 GB) leave room for 33 sequences.
    fp = {"Q4_K_M", 4e9, 7e9, 524288};
    EXPECT_EQ(serving_capacity(gpu_24gb(), params(), fp).max_sequences, (int64_t(17.6e9 / 524288)) / 4096);
    EXPECT_NE(serving_capacity_text(serving_capacity(gpu_24gb(), params(), fp)).find("× 4096-token sequences"), std::string::npos);
}

TEST(ServingCapacity, WeightsLargerThanTheMemoryDoNotFit) {
    const ServingCapacity c = serving_capacity(gpu_24gb(), params(), {"F32", 28e9, 7e9, 524288});
    ASSERT_TRUE(c.known);
    EXPECT_FALSE(c.fits);
    EXPECT_EQ(serving_capacity_text(c), "does not fit: weights 28 GB > 21.6 GB usable");
    HardwarePrice no_memory = gpu_24gb();
    no_memory.memory_gb = 0;
    EXPECT_FALSE(serving_capacity(no_memory, params(), {"F32", 1e9, 1e9, 1}).known);
    EXPECT_FALSE(serving_capacity(gpu_24gb(), params(), {"F32", 0, 0, 0}).known);
    const ServingCapacity no_kv = serving_capacity(gpu_24gb(), params(), {"Q8_0", 8e9, 7e9, 0});
    EXPECT_TRUE(no_kv.fits);
    EXPECT_EQ(no_kv.max_sequences, -1);
}

TEST(ServingCapacity, APrecisionThatDoesNotFitIsNotRecommendedForItsPrice) {
    // F32 is cheapest per token here (made up speeds) but does not fit; Q8_0 does.
    MeasuredSpeeds m;
    PrecisionSpeed f32{"F32", 0, 100};
    PrecisionSpeed q8{"Q8_0", 0, 50};
    m.speeds = {f32, q8};
    m.footprints = {{"F32", 28e9, 7e9, 524288}, {"Q8_0", 7.5e9, 7e9, 524288}};
    ProfileSpeeds ps;
    ps.ok = true;
    ps.speeds = m.speeds;
    const HardwarePrice h = gpu_24gb();
    for (const ModelFootprint& fp : m.footprints) ps.capacity.push_back(serving_capacity(h, params(), fp));
    CostInputs in;
    in.usd_per_hour = h.usd_per_hour;
    in.baseline = "F32";
    const std::vector<PrecisionCost> costs = cost_compare(ps.speeds, in);
    std::vector<CandidateEvidence> evidence(2);
    evidence[0].precision = "F32";
    evidence[1].precision = "Q8_0";
    evidence[1].kld_mean = 1e-4;
    evidence[1].kld_se = 1e-5;
    DecisionOptions opts;
    opts.kld_max = 0.01;
    const Decision d = recommend_servable(evidence, costs, ps, &h, "F32", opts);
    EXPECT_NE(d.reason.find("F32 does not fit in gpu-24's memory"), std::string::npos) << d.reason;
    EXPECT_NE(d.picked, "F32");
}

TEST(ServingCapacity, PriceTableMemoryNeedsASource) {
    const std::string ok = R"({"schema": 1, "hardware": [{"name": "g", "usd_per_hour": 1, "source": "s", "listed": "2024-01-01",
        "kind": "gpu", "memory_gb": 24, "memory_source": "datasheet"}], "roofline": {"memory_usable_fraction": 0.8, "serving_context_tokens": 2048}})";
    const PriceTable t = price_table_parse(ok, "ok.json");
    ASSERT_EQ(t.hardware.size(), 1u);
    EXPECT_EQ(t.hardware[0].memory_gb, 24);
    EXPECT_EQ(t.roofline.memory_usable_fraction, 0.8);
    EXPECT_EQ(t.roofline.serving_context_tokens, 2048);
    std::string bad = ok;
    bad.replace(bad.find(R"(, "memory_source": "datasheet")"), std::string(R"(, "memory_source": "datasheet")").size(), "");
    EXPECT_THROW(price_table_parse(bad, "bad.json"), Error);
    std::string over = ok;
    over.replace(over.find("0.8"), 3, "1.5");
    EXPECT_THROW(price_table_parse(over, "over.json"), Error);
}

}  // namespace
}  // namespace qs
