#include "store/run_record.h"

#include "core/error.h"

namespace qs {

const char* job_status_name(JobStatus s) {
    switch (s) {
        case JobStatus::Queued: return "queued";
        case JobStatus::Running: return "running";
        case JobStatus::Done: return "done";
        case JobStatus::Failed: return "failed";
        case JobStatus::Cancelled: return "cancelled";
    }
    return "?";
}

const char* evaluator_name(EvaluatorKind k) {
    switch (k) {
        case EvaluatorKind::Perplexity: return "perplexity";
        case EvaluatorKind::Kld: return "kld";
        case EvaluatorKind::Task: return "task";
        case EvaluatorKind::Bench: return "bench";
    }
    return "?";
}

JobStatus job_status_from_name(const std::string& name) {
    for (JobStatus s : {JobStatus::Queued, JobStatus::Running, JobStatus::Done, JobStatus::Failed, JobStatus::Cancelled})
        if (name == job_status_name(s)) return s;
    throw Error("unknown job status '" + name + "'");
}

EvaluatorKind evaluator_from_name(const std::string& name) {
    for (EvaluatorKind k : {EvaluatorKind::Perplexity, EvaluatorKind::Kld, EvaluatorKind::Task, EvaluatorKind::Bench})
        if (name == evaluator_name(k)) return k;
    throw Error("unknown evaluator '" + name + "'");
}

}  // namespace qs
