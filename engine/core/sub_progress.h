// The progress of one pass inside a larger piece of work (a study's KLD pass, a scan's
// quantization): its own counts stay private, and it is cancelled as soon as `outer` is, so the
// pass stops at its next check_cancel() (perplexity_run checks between chunks).
#pragma once

#include "core/progress.h"

namespace qs {

struct SubProgress {
    explicit SubProgress(const Progress& outer)
        : progress([this, &outer](int64_t, int64_t, const std::string&) {
              if (outer.cancelled()) progress.cancel();
          }) {}
    SubProgress(const SubProgress&) = delete;
    SubProgress& operator=(const SubProgress&) = delete;
    Progress progress;
};

}  // namespace qs
