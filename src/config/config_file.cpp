#include "config/config_file.hpp"

#include <fstream>

namespace ssehub::config {

void apply_config_file(CLI::App& serve, const std::string& path) {
    std::ifstream in(path);
    if (!in) throw CLI::FileError(path + ": cannot read the config file");
    std::vector<CLI::ConfigItem> items;
    try {
        items = CLI::ConfigTOML().from_config(in);
    } catch (const CLI::ParseError& e) {
        throw CLI::ConfigError(path + ": " + e.what());
    }
    for (const CLI::ConfigItem& item : items) {
        // Section markers: the file has no sections; keys inside one are refused below.
        if (item.name == "++" || item.name == "--") continue;
        std::string key = item.fullname();
        CLI::Option* op = serve.get_option_no_throw("--" + key);
        if (!op || key == "config" || key == "check-config" || key == "help" ||
            !item.parents.empty())
            throw CLI::ConfigError(path + ": unknown key '" + key + "'");
        if (!op->empty()) continue; // given on the command line, which wins
        try {
            op->add_result(item.inputs);
            op->run_callback();
        } catch (const CLI::ParseError& e) {
            throw CLI::ConfigError(path + ": " + e.what());
        }
    }
}

} // namespace ssehub::config
