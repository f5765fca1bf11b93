#pragma once
// A URL's own settings, from the options on its list line (line_options.hpp): what its fetch
// asks for and what its result must pass. A URL without options uses the command line's.

#include "poller/report/checks.hpp"
#include "poller/client/client_config.hpp"
#include "poller/report/output.hpp"
#include "poller/report/url_state.hpp"

namespace poller {

struct UrlSettings {
  RequestConfig request;
  Checks checks;
  StateRules state_rules;
  std::string given;  // the line's options but --name, as written: same text, same settings
};

// Whether a fetch's body must be kept whole: the output prints it, or --expect-body reads it.
inline bool keeps_body(const OutputConfig& output, const Checks& checks) {
  return output_prints_bodies(output) || checks.expect_body.has_value();
}

}  // namespace poller
