// Layer web/: the built-in page, /ssehub.js and the dashboard as real files. Includes nothing
// of ours; app/ serves them.
//
// The files of src/web/ as the hub serves them, byte for byte: CMake embeds each at build time
// (cmake/embed_asset.cmake), so the hub never reads them from disk and they stay real files that
// node and browsers check. Neither file may put event data into a page as HTML (textContent only).
// index.html is past 300 lines on purpose: one self-contained page, and a comment at its top
// would be served too.
#pragma once

#include <string_view>

namespace ssehub::web {

// src/web/index.html, the built-in page at GET /: one self-contained document (inline CSS and
// JS) that reads the stream with fetch and parses it itself, so it shows events of every type.
std::string_view index_html();
// src/web/ssehub.js, GET /ssehub.js: lets every tab of an origin share one event stream; it only
// hands events to the page's callbacks.
std::string_view ssehub_js();
// src/web/dashboard.html, GET /ssehub/dashboard (--dashboard on): plots the figures it polls
// from /ssehub/dashboard/data each second, on canvases of its own (no chart library).
std::string_view dashboard_html();
// src/web/bridge.html, GET /ssehub-bridge.html?origin=O: the hidden page /ssehub.js embeds in
// pages of other origins; it loads /ssehub.js, which relays the shared stream to that page. Its
// <html> element carries empty data-origin, data-allowed, data-credentials and data-reason
// attributes that the hub fills in for O.
std::string_view bridge_html();

} // namespace ssehub::web
