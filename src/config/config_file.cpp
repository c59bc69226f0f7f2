#include "config/config_file.hpp"

#include <fstream>
#include <set>

namespace ssehub::config {

namespace {

// "<path>: <what> '<key>'<rest>", built in one string.
std::string about(const std::string& path, const std::string& key, std::string_view what,
                  std::string_view rest) {
    std::string line = path;
    line.append(": ").append(what).append(" '").append(key).append("'").append(rest);
    return line;
}

} // namespace

void apply_config_file(CLI::App& serve, const std::string& path) {
    std::ifstream in(path);
    if (!in) throw CLI::FileError(path + ": cannot read the config file");
    std::vector<CLI::ConfigItem> items;
    try {
        items = CLI::ConfigTOML().from_config(in);
    } catch (const CLI::ParseError& e) {
        throw CLI::ConfigError(path + ": " + e.what());
    }
    // Options the command line set before the file was read: those keys are skipped, since the
    // command line wins. A key the file gives twice is an error (the second value would
    // otherwise be dropped unchecked), except for list keys such as listen and publish-allow,
    // whose values add up.
    std::set<const CLI::Option*> from_command_line;
    for (const CLI::Option* op : serve.get_options())
        if (!op->empty()) from_command_line.insert(op);
    std::set<const CLI::Option*> from_file;
    for (const CLI::ConfigItem& item : items) {
        // Section markers: the file has no sections; keys inside one are refused below.
        if (item.name == "++" || item.name == "--") continue;
        std::string key = item.fullname();
        CLI::Option* op = serve.get_option_no_throw("--" + key);
        if (!op || key == "config" || key == "check-config" || key == "help" ||
            !item.parents.empty())
            throw CLI::ConfigError(about(path, key, "unknown key", ""));
        if (from_command_line.count(op)) continue; // given on the command line, which wins
        bool list = op->get_items_expected_max() > 1;
        if (!from_file.insert(op).second && !list)
            throw CLI::ConfigError(about(path, key, "key",
                                         " is given more than once (each key may appear only "
                                         "once, except listen and publish-allow)"));
        if (!list && item.inputs.size() > 1)
            throw CLI::ConfigError(about(path, key, "key", " takes one value"));
        try {
            op->add_result(item.inputs);
            op->run_callback();
        } catch (const CLI::ParseError& e) {
            throw CLI::ConfigError(path + ": " + e.what());
        }
    }
}

} // namespace ssehub::config
