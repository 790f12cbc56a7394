#include "cost/profile_speeds.h"

#include <fmt/format.h>

namespace qs {
namespace {

ProfileSpeeds estimate(const HardwarePrice& h, const RooflineParams& roofline, const std::vector<ModelFootprint>& footprints,
                       const std::string& prefix) {
    ProfileSpeeds out;
    out.source = SpeedSource::Estimated;
    std::string why_not;
    for (const ModelFootprint& fp : footprints)
        if (auto s = roofline_estimate(h, roofline, fp, &why_not)) out.speeds.push_back(*s);
    out.ok = !out.speeds.empty();
    if (out.ok) {
        out.why = prefix + fmt::format("estimated from {}'s memory bandwidth ({:g} GB/s, {}) and compute (roofline, resources/prices.json)",
                                       h.name, h.memory_bandwidth_gbs, h.memory_bandwidth_source);
    } else {
        out.why = fmt::format("no speed for {}: {}no estimate either ({}); import a llama-bench -o json run from that machine", h.name, prefix,
                              footprints.empty() ? "no model sizes to estimate from" : why_not);
    }
    return out;
}

// The model's sizes per precision: from QuantScope's bench jobs, else from the imported file.
std::vector<ModelFootprint> footprints_of(const MeasuredSpeeds* measured, const ImportedSpeeds* imported) {
    if (measured && !measured->footprints.empty()) return measured->footprints;
    if (imported) return imported->footprints;
    return {};
}

ProfileSpeeds choose_speeds(const HardwarePrice* profile, const RooflineParams& roofline, const MeasuredSpeeds* measured,
                            const ImportedSpeeds* imported, bool prefer_estimate) {
    ProfileSpeeds out;
    if (imported && !prefer_estimate) {
        if (profile && profile->kind == HardwareKind::Gpu && !imported->on_gpu) {
            out.why = fmt::format("the imported bench ran on {}, but {} is a GPU machine: import a bench run on it, or ask for its roofline estimate",
                                  imported->device, profile->name);
            return out;
        }
        if (profile && profile->kind == HardwareKind::Cpu && imported->on_gpu) {
            out.why = fmt::format("the imported bench ran on {}, but {} is a CPU machine", imported->device, profile->name);
            return out;
        }
        out.ok = true;
        out.source = SpeedSource::Imported;
        out.speeds = imported->speeds;
        out.why = fmt::format("imported from the target machine: {} ({})", imported->device, imported->format);
        return out;
    }
    std::string prefix;
    if (measured && !measured->speeds.empty() && !prefer_estimate) {
        std::string why;
        if (!profile || hardware_matches(*profile, measured->machine, &why)) {
            out.ok = true;
            out.source = SpeedSource::Measured;
            out.speeds = measured->speeds;
            out.why = profile ? fmt::format("measured on this machine ({}), which {}", measured->machine.text(), why)
                              : fmt::format("measured on {}, priced at the hourly price given for that machine", measured->machine.text());
            return out;
        }
        prefix = fmt::format("not measured: {}; ", why);
    }
    if (!profile) {
        out.why = "no speed: measure one (a bench job) or import a bench file";
        return out;
    }
    return estimate(*profile, roofline, footprints_of(measured, imported), prefix);
}

}  // namespace

ProfileSpeeds profile_speeds(const HardwarePrice* profile, const RooflineParams& roofline, const MeasuredSpeeds* measured,
                             const ImportedSpeeds* imported, bool prefer_estimate) {
    ProfileSpeeds out = choose_speeds(profile, roofline, measured, imported, prefer_estimate);
    if (profile)
        for (const ModelFootprint& fp : footprints_of(measured, imported)) out.capacity.push_back(serving_capacity(*profile, roofline, fp));
    return out;
}

}  // namespace qs
