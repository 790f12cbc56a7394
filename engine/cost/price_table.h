// The price table: what an hour of hardware and a million API tokens cost, each price with where it
// was listed and when, so a cost figure can always say what it assumed. The shipped table is
// resources/prices.json; users edit it or pass their own.
//
// File format (JSON object; unknown keys are ignored so the file can carry comments in "note"):
//   {
//     "schema": "quantscope-prices/1",
//     "currency": "USD",
//     "note": "...",
//     "hardware": [ { "name": "aws-c7a.large", "description": "...", "usd_per_hour": 0.10264,
//                     "source": "https://...", "listed": "2024-10-01" }, ... ],
//     "api":      [ { "provider": "OpenAI", "model": "gpt-4o", "usd_per_mtok_input": 2.5,
//                     "usd_per_mtok_output": 10.0, "source": "https://...", "listed": "2024-10-01" }, ... ]
//   }
// Rules: hardware names unique; prices finite, usd_per_hour > 0, API prices >= 0; "listed" is a
// date YYYY-MM-DD; "source" non-empty. Anything else throws qs::Error("<file>: hardware[2].usd_per_hour:
// ...") naming the file and the field.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qs {

struct HardwarePrice {
    std::string name;         // key the CLI and GUI select by ("aws-c7a.large")
    std::string description;  // "2 vCPU AMD EPYC (Genoa), 4 GiB, on-demand, us-east-1"
    double usd_per_hour = 0;
    std::string source;       // URL of the price list
    std::string listed;       // YYYY-MM-DD the price was read from the source
};

struct ApiPrice {
    std::string provider;     // "OpenAI"
    std::string model;        // "gpt-4o-mini"
    double usd_per_mtok_input = 0;
    double usd_per_mtok_output = 0;
    std::string source;
    std::string listed;
    std::string label() const { return provider + " " + model; }
};

struct PriceTable {
    std::string path;         // the file it came from ("" when parsed from text)
    std::string currency = "USD";
    std::string note;
    std::vector<HardwarePrice> hardware;
    std::vector<ApiPrice> apis;

    // The hardware entry named `name` (exact match), or nullptr.
    const HardwarePrice* find_hardware(std::string_view name) const;
};

// Parses and validates; `label` names the source in errors (the file path).
PriceTable price_table_parse(std::string_view json_text, const std::string& label);
// Reads and validates a file. Throws qs::Error naming the file when it is unreadable or invalid.
PriceTable price_table_load(const std::string& path);

// Where the shipped resources/prices.json is: $QUANTSCOPE_PRICES if set, else the first existing of
// <dir of the executable>/../share/quantscope/prices.json, <exe dir>/resources/prices.json and the
// source tree's resources/prices.json (compile-time QS_SOURCE_RESOURCES_DIR). `exe_path` may be ""
// (then only the environment and the source tree are tried). "" when none exists.
std::string price_table_default_path(const std::string& exe_path);

}  // namespace qs
