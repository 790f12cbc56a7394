// Which speed a hardware profile is priced with: this machine's only when the profile is this
// machine, an imported one only when its device fits, else the roofline estimate worked out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "cost/hardware_match.h"
#include "cost/price_table.h"
#include "cost/profile_speeds.h"
#include "cost/roofline.h"

namespace qs {
namespace {

HardwarePrice cpu_profile() {
    HardwarePrice h;
    h.name = "cloud-cpu";
    h.usd_per_hour = 0.1;
    h.kind = HardwareKind::Cpu;
    h.this_machine = {"AMD EPYC", "avx512", 2};
    return h;
}

HardwarePrice gpu_profile() {
    HardwarePrice h;
    h.name = "cloud-gpu";
    h.usd_per_hour = 0.8;
    h.kind = HardwareKind::Gpu;
    h.memory_bandwidth_gbs = 300;
    h.memory_bandwidth_source = "datasheet";
    h.compute = {30, 120, 242};
    h.compute_source = "datasheet";
    return h;
}

RooflineParams params() {
    RooflineParams p;
    p.bandwidth_efficiency = 0.5;
    p.compute_efficiency = 0.4;
    p.decode_context_tokens = 1000;
    p.prefill_tokens = 512;
    return p;
}

TEST(HardwareMatch, OnlyTheMachineTheRuleDescribes) {
    const MeasuringMachine here = measuring_machine_parse("AMD EPYC 9R14 96-Core Processor; avx512; 1 workers x 2 threads");
    EXPECT_EQ(here.cpu_model, "AMD EPYC 9R14 96-Core Processor");
    EXPECT_EQ(here.isa, "avx512");
    EXPECT_EQ(here.threads, 2);
    EXPECT_EQ(measuring_machine_parse("Intel Xeon; avx2; 2 workers x 4 threads").threads, 8);
    std::string why;
    EXPECT_TRUE(hardware_matches(cpu_profile(), here, &why));
    EXPECT_NE(why.find("matches cloud-cpu's rule"), std::string::npos) << why;
    MeasuringMachine other = here;
    other.threads = 8;
    EXPECT_FALSE(hardware_matches(cpu_profile(), other, &why));
    EXPECT_NE(why.find("8 threads"), std::string::npos) << why;
    other = here;
    other.cpu_model = "Intel(R) Xeon(R) Platinum 8488C";
    EXPECT_FALSE(hardware_matches(cpu_profile(), other, &why));
    other = here;
    other.isa = "avx2";
    EXPECT_FALSE(hardware_matches(cpu_profile(), other));
    EXPECT_FALSE(hardware_matches(gpu_profile(), here, &why));
    EXPECT_NE(why.find("GPU profile"), std::string::npos);
    HardwarePrice no_rule = cpu_profile();
    no_rule.this_machine = {};
    EXPECT_FALSE(hardware_matches(no_rule, here));
}

// tg = 0.5 x 300e9 / (3e9 + 1e5 x 1000) = 48.387 t/s
// pp = min(0.4 x 242e12 / (2 x 6e9), 0.5 x 300e9 x 512 / (3e9 + 1e5 x 512)) = min(8066.7, 25170.4)
TEST(Roofline, WorkedByHand) {
    ModelFootprint fp{"Q4_0", 3e9, 6e9, 1e5};
    const auto s = roofline_estimate(gpu_profile(), params(), fp);
    ASSERT_TRUE(s);
    EXPECT_NEAR(s->tg_tps, 0.5 * 300e9 / 3.1e9, 1e-9);
    EXPECT_NEAR(s->pp_tps, 0.4 * 242e12 / 12e9, 1e-6);
    EXPECT_EQ(s->source, SpeedSource::Estimated);
    EXPECT_NE(s->source_detail.find("roofline for cloud-gpu"), std::string::npos) << s->source_detail;
    // F16 multiplies in f16 (120 TFLOPS); a small model is bandwidth-bound in prefill too.
    fp.precision = "F16";
    EXPECT_NEAR(roofline_estimate(gpu_profile(), params(), fp)->pp_tps, 0.4 * 120e12 / 12e9, 1e-6);
    ModelFootprint tiny{"Q8_0", 1e9, 1e6, 0};
    EXPECT_NEAR(roofline_estimate(gpu_profile(), params(), tiny)->pp_tps, 0.5 * 300e9 * 512 / 1e9, 1e-6);
    // No bandwidth, no estimate.
    std::string why;
    EXPECT_FALSE(roofline_estimate(cpu_profile(), params(), fp, &why));
    EXPECT_NE(why.find("no memory bandwidth"), std::string::npos);
    // No compute figure: prompt unknown (priced as decode).
    HardwarePrice bw_only = gpu_profile();
    bw_only.compute = {};
    EXPECT_EQ(roofline_estimate(bw_only, params(), fp)->pp_tps, 0);
}

TEST(ProfileSpeeds, NeverThisMachinesSpeedAtAnotherMachinesPrice) {
    MeasuredSpeeds measured;
    measured.machine = {"AMD EPYC", "avx512", 2};
    PrecisionSpeed s;
    s.precision = "Q4_0";
    s.tg_tps = 300;
    measured.speeds = {s};
    measured.footprints = {{"Q4_0", 3e9, 6e9, 1e5}};

    const HardwarePrice cpu = cpu_profile(), gpu = gpu_profile();
    ProfileSpeeds p = profile_speeds(&cpu, params(), &measured, nullptr);
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.source, SpeedSource::Measured);
    EXPECT_DOUBLE_EQ(p.speeds[0].tg_tps, 300);

    // The GPU profile gets the estimate, not the CPU's 300 t/s.
    p = profile_speeds(&gpu, params(), &measured, nullptr);
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.source, SpeedSource::Estimated);
    EXPECT_NEAR(p.speeds[0].tg_tps, 48.387, 1e-3);
    EXPECT_NE(p.why.find("not measured: cloud-gpu is a GPU profile"), std::string::npos) << p.why;

    // A CPU profile that is not this machine and has no figures: no speed at all.
    HardwarePrice other = cpu_profile();
    other.this_machine.threads = 8;
    p = profile_speeds(&other, params(), &measured, nullptr);
    EXPECT_FALSE(p.ok);
    EXPECT_NE(p.why.find("import a llama-bench"), std::string::npos) << p.why;

    // A CPU-only import for a GPU profile is refused; for the CPU profile it is used.
    ImportedSpeeds imported;
    imported.format = "llama-bench";
    imported.device = "AMD EPYC (CPU, 2 threads)";
    s.tg_tps = 250;
    s.source = SpeedSource::Imported;
    imported.speeds = {s};
    EXPECT_FALSE(profile_speeds(&gpu, params(), &measured, &imported).ok);
    p = profile_speeds(&cpu, params(), &measured, &imported);
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.source, SpeedSource::Imported);
    EXPECT_DOUBLE_EQ(p.speeds[0].tg_tps, 250);
    // No profile: the user's own price for the measuring machine.
    p = profile_speeds(nullptr, params(), &measured, nullptr);
    EXPECT_EQ(p.source, SpeedSource::Measured);
}

TEST(PriceTable, HardwareFiguresAndTheirErrors) {
    const std::string head = R"({"hardware": [{"name": "g", "usd_per_hour": 1, "source": "s", "listed": "2024-01-01", )";
    const PriceTable t = price_table_parse(
        head + R"("kind": "gpu", "memory_bandwidth_gbs": 300, "memory_bandwidth_source": "ds", "compute_tflops": {"f16": 121, "int8": 242},
        "compute_source": "ds"}], "roofline": {"bandwidth_efficiency": 0.6, "decode_context_tokens": 256}})",
        "prices.json");
    EXPECT_EQ(t.hardware[0].kind, HardwareKind::Gpu);
    EXPECT_DOUBLE_EQ(t.hardware[0].memory_bandwidth_gbs, 300);
    EXPECT_DOUBLE_EQ(t.hardware[0].compute.int8_tops, 242);
    EXPECT_DOUBLE_EQ(t.roofline.bandwidth_efficiency, 0.6);
    EXPECT_DOUBLE_EQ(t.roofline.compute_efficiency, 1.0);
    EXPECT_EQ(t.roofline.decode_context_tokens, 256);
    auto error_of = [&](const std::string& tail) {
        try {
            price_table_parse(head + tail, "prices.json");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(error_of(R"("kind": "tpu"}]})").find("hardware[0].kind: expected"), std::string::npos);
    EXPECT_NE(error_of(R"("kind": "gpu", "this_machine": {"isa": "avx2"}}]})").find("only a \"kind\": \"cpu\" profile"), std::string::npos);
    EXPECT_NE(error_of(R"("kind": "cpu", "this_machine": {}}]})").find("give at least one"), std::string::npos);
    EXPECT_NE(error_of(R"("memory_bandwidth_gbs": 300}]})").find("memory_bandwidth_source: a bandwidth figure needs its source"), std::string::npos);
    EXPECT_NE(error_of(R"("memory_bandwidth_gbs": -3, "memory_bandwidth_source": "x"}]})").find("must be > 0"), std::string::npos);
    EXPECT_NE(error_of(R"("compute_tflops": {"f16": 1}}]})").find("missing field 'compute_source'"), std::string::npos);
    EXPECT_NE(error_of(R"("name2": 1}], "roofline": {"bandwidth_efficiency": 1.5}})").find("roofline.bandwidth_efficiency: must be <= 1"),
              std::string::npos);
}

}  // namespace
}  // namespace qs
