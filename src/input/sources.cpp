#include "poller/input/sources.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <iterator>

#include <fmt/format.h>

#include "poller/base/encoding.hpp"
#include "poller/base/usage_error.hpp"
#include "poller/base/text.hpp"

namespace poller {
namespace {

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

struct FileText {
  std::string text;
  std::string error;         // "cannot read: ...", "is a directory ..."; empty when read
  int error_number = 0;      // errno of a failed open or read
  bool not_regular = false;  // set (and nothing read) only when `may_block` is false
  bool regular = false;      // a regular file: read again on SIGHUP
};

// Reads a list file whole. Without `may_block` the file is opened O_NONBLOCK — opening a FIFO
// otherwise waits for a writer — and only a regular file is read.
FileText read_list_file(const std::string& path, bool may_block) {
  FileText result;
  int const fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (may_block ? 0 : O_NONBLOCK));
  if (fd < 0) {
    result.error_number = errno;
    result.error = fmt::format("cannot read: {}", std::strerror(errno));
    return result;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    result.error = fmt::format("cannot read: {}", std::strerror(errno));
  } else if (S_ISDIR(info.st_mode)) {
    result.error = "is a directory (give a list file, or URLs as operands)";
  } else if (!may_block && !S_ISREG(info.st_mode)) {
    result.not_regular = true;
  } else {
    result.regular = S_ISREG(info.st_mode);
    char buffer[65536];
    for (;;) {
      auto const n = ::read(fd, buffer, sizeof buffer);
      if (n > 0) {
        result.text.append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0) {
        break;
      } else if (errno != EINTR) {
        result.error = fmt::format("cannot read: {}", std::strerror(errno));
        break;
      }
    }
  }
  ::close(fd);
  return result;
}

// Endings of list files' names that are also top-level domains, or might be taken for them.
bool names_a_file_kind(std::string_view label) {
  static constexpr std::string_view kinds[] = {"txt", "list", "lst", "urls", "conf", "cfg", "csv",
                                               "tsv", "json", "yaml", "yml", "in", "log", "out"};
  return std::any_of(std::begin(kinds), std::end(kinds),
                     [&](std::string_view kind) { return iequals(kind, label); });
}

bool is_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<std::string> url_meant_by(std::string_view operand) {
  if (operand.empty() || operand.find("://") != std::string_view::npos ||
      operand.find_first_of("/.~", 0) == 0) {
    return std::nullopt;
  }
  auto const slash = operand.find('/');
  auto const authority = operand.substr(0, slash);
  auto candidate = fmt::format("http://{}{}", operand, slash == std::string_view::npos ? "/" : "");
  auto const parsed = parse_target(candidate);
  if (!parsed.target) return std::nullopt;
  // host:port, [v6]:port, or a bare IP literal or localhost: a host.
  auto const colon = authority.rfind(':');
  if (colon != std::string_view::npos && is_digits(authority.substr(colon + 1))) return candidate;
  auto const host = authority;
  if (iequals(host, "localhost") || host.front() == '[') return candidate;
  auto const dot = host.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto const last = host.substr(dot + 1);
  if (is_digits(last)) return candidate;  // an IPv4 address (parse_target checked it)
  if (slash != std::string_view::npos) return candidate;  // name/path
  if (names_a_file_kind(last)) return std::nullopt;
  return candidate;
}

Source classify_source(std::string_view operand) {
  if (operand == "-") return {Source::Kind::standard_input, "-"};
  if (starts_with_ignoring_case(operand, "http://") ||
      starts_with_ignoring_case(operand, "https://")) {
    return {Source::Kind::url, std::string(operand)};
  }
  return {Source::Kind::file, std::string(operand)};
}

SourceList::SourceList(const std::vector<std::string>& operands, LineOptionsParser parse_options,
                       std::function<void()> start_reading)
    : parse_options_(std::move(parse_options)), start_reading_(std::move(start_reading)) {
  if (operands.empty()) {
    throw UsageError(
        "no URL or list file given (poller [OPTIONS] SOURCE..., e.g. poller "
        "https://example.com/ or poller urls.txt)");
  }
  bool standard_input = false;
  for (auto const& operand : operands) {
    auto source = classify_source(operand);
    std::vector<Target> targets;
    if (source.kind == Source::Kind::url) {
      auto parsed = parse_target(operand);
      if (!parsed.target) {
        throw UsageError(fmt::format("bad URL \"{}\": {}",
                                     escape_control_characters(redact_password(operand)),
                                     parsed.error));
      }
      targets.push_back(std::move(*parsed.target));
    } else if (source.kind == Source::Kind::standard_input) {
      if (standard_input) throw UsageError("- (standard input) given more than once");
      standard_input = true;
    }
    sources_.push_back(std::move(source));
    targets_.push_back(std::move(targets));
    reread_.push_back(false);
  }
}

UrlList SourceList::load() {
  std::vector<std::string> not_reread;  // nothing is kept from before at the start
  return read(true, not_reread);
}

UrlList SourceList::reload(std::vector<std::string>& not_reread) { return read(false, not_reread); }

UrlList SourceList::read(bool at_start, std::vector<std::string>& not_reread) {
  if (start_reading_) start_reading_();
  UrlList list;
  std::vector<std::vector<Target>> targets = targets_;
  // A regular file is read again on every SIGHUP: its targets are moved into the list, not kept
  // here as well (a large list held twice cost megabytes: bench/RESULTS.md).
  std::vector<bool> reread(sources_.size(), false);
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    auto const& source = sources_[i];
    if (source.kind == Source::Kind::url) continue;
    if (source.kind == Source::Kind::standard_input) {
      if (!at_start) {
        not_reread.push_back("standard input");
        continue;
      }
      std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
      auto parsed = parse_url_list(text, "<stdin>", parse_options_);
      targets[i] = std::move(parsed.targets);
      list.errors.insert(list.errors.end(), parsed.errors.begin(), parsed.errors.end());
      continue;
    }
    auto file = read_list_file(source.operand, at_start);
    if (file.not_regular && reread_[i]) {
      // Its URLs were not kept (a regular file is read again): the reload fails, the run keeps
      // the list it has.
      list.errors.push_back(fmt::format("{}: not a regular file any more (a FIFO?): not read again",
                                        escape_control_characters(source.operand)));
      continue;
    }
    if (file.not_regular) {
      not_reread.push_back(fmt::format("{} (not a regular file)", source.operand));
      continue;
    }
    if (!file.error.empty()) {
      // "ftp://host/" is no file, and no URL poller fetches either.
      if (file.error_number == ENOENT && source.operand.find("://") != std::string::npos) {
        file.error =
            "neither a file nor an http:// or https:// URL (only http and https are fetched)";
      } else if (file.error_number == ENOENT) {
        if (auto const meant = url_meant_by(source.operand)) {
          file.error = fmt::format("no such file, and not a URL: did you mean {}?", *meant);
        }
      }
      list.errors.push_back(
          fmt::format("{}: {}", escape_control_characters(source.operand), file.error));
      targets[i].clear();
      continue;
    }
    auto const list_dir = std::filesystem::path(source.operand).parent_path().string();
    auto parsed = parse_url_list(file.text, source.operand, parse_options_, list_dir);
    targets[i] = std::move(parsed.targets);
    reread[i] = file.regular;
    list.errors.insert(list.errors.end(), parsed.errors.begin(), parsed.errors.end());
  }
  std::size_t count = 0;
  for (auto const& some : targets) count += some.size();
  list.targets.reserve(count);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (reread[i]) {
      std::move(targets[i].begin(), targets[i].end(), std::back_inserter(list.targets));
      std::vector<Target>().swap(targets[i]);  // its memory too (`= {}` keeps the capacity)
    } else {
      list.targets.insert(list.targets.end(), targets[i].begin(), targets[i].end());
    }
  }
  if (list.targets.empty() && list.errors.empty()) {
    list.errors.push_back(sources_.size() == 1
                              ? fmt::format("{}: no URL in the list", sources_.front().operand)
                              : fmt::format("no URL in any of {}", files()));
  }
  if (list.ok()) {
    targets_ = std::move(targets);
    reread_ = std::move(reread);
  }
  return list;
}

std::string SourceList::files() const {
  std::string names;
  for (auto const& source : sources_) {
    if (source.kind == Source::Kind::url) continue;
    if (!names.empty()) names += ", ";
    names += source.kind == Source::Kind::standard_input ? "<stdin>" : source.operand;
  }
  return names;
}

bool SourceList::has_files() const {
  for (auto const& source : sources_) {
    if (source.kind == Source::Kind::file) return true;
  }
  return false;
}

}  // namespace poller
