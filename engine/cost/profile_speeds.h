// Which throughput a hardware profile is priced with. Never one machine's speed at another
// machine's price: in this order,
//   1. imported: a bench file from the target machine (cost/bench_speeds.h), refused when its
//      device contradicts the profile (a CPU-only llama-bench for a GPU profile and vice versa);
//   2. measured: QuantScope's own bench jobs, only when the profile IS the machine that ran them
//      (cost/hardware_match.h), or when there is no profile (a price per hour the user gave for
//      the measuring machine);
//   3. estimated: the roofline (cost/roofline.h) from the profile's bandwidth and compute and the
//      model's sizes (from the bench jobs or the imported file);
// else none, with the reason. `prefer_estimate` skips 2 (compare the estimate with a measurement).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cost/bench_speeds.h"
#include "cost/cost_model.h"
#include "cost/hardware_match.h"
#include "cost/price_table.h"
#include "cost/roofline.h"
#include "cost/serving_capacity.h"

namespace qs {

// Speeds QuantScope measured itself, and where.
struct MeasuredSpeeds {
    MeasuringMachine machine;
    std::vector<PrecisionSpeed> speeds;       // source Measured
    std::vector<ModelFootprint> footprints;   // sizes of the precisions it ran
};

struct ProfileSpeeds {
    bool ok = false;
    SpeedSource source = SpeedSource::Measured;  // meaningful when ok
    std::vector<PrecisionSpeed> speeds;          // each labelled with its source and detail
    std::string why;                             // for people: why this source, or why none
    // With a profile: how many sequences each precision with known sizes can serve on it at once
    // (weights + KV cache in its memory), whatever the speeds' source.
    std::vector<ServingCapacity> capacity;
    const ServingCapacity* capacity_of(const std::string& precision) const {
        for (const ServingCapacity& c : capacity)
            if (c.precision == precision) return &c;
        return nullptr;
    }
};

// `profile` nullptr = a price the user gave for the measuring (or imported) machine.
ProfileSpeeds profile_speeds(const HardwarePrice* profile, const RooflineParams& roofline, const MeasuredSpeeds* measured,
                             const ImportedSpeeds* imported, bool prefer_estimate = false);

}  // namespace qs
