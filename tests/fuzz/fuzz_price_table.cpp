// The price table's JSON (resources/prices.json and the files users edit or pass).
#include <cmath>
#include <cstdlib>

#include "core/error.h"
#include "cost/price_table.h"
#include "fuzz_target.h"

QS_FUZZ_TARGET(price_table) {
    try {
        const qs::PriceTable t = qs::price_table_parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
        // What the validation promises every consumer (cost per Mtok divides by these).
        for (const qs::HardwarePrice& h : t.hardware)
            if (!std::isfinite(h.usd_per_hour) || h.usd_per_hour <= 0 || t.find_hardware(h.name) == nullptr) std::abort();
        for (const qs::ApiPrice& a : t.apis)
            if (!std::isfinite(a.usd_per_mtok_input) || !std::isfinite(a.usd_per_mtok_output) || a.usd_per_mtok_input < 0 ||
                a.usd_per_mtok_output < 0)
                std::abort();
    } catch (const qs::Error&) {
    }
}
