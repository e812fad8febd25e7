/// The console's one stylesheet and one script, served from `/console/` (same origin, so the CSP's
/// `script-src 'self'` and `style-src 'self'` allow them; nothing is inline).
enum ConsoleAssets {
    /// Follows the run of the page (`<body data-run="…">`) over server-sent events and, when an
    /// event arrives, fetches the page again and swaps in its live parts (state, graph, tasks, next
    /// steps, timeline), leaving the action forms and what is typed in them alone.
    static let script = #"""
        "use strict";
        (function () {
          var run = document.body.getAttribute("data-run");
          if (!run || !window.EventSource) { return; }
          var pending = null;
          function refresh() {
            pending = null;
            fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
              .then(function (response) { return response.ok ? response.text() : null; })
              .then(function (html) {
                if (!html) { return; }
                var fresh = new DOMParser().parseFromString(html, "text/html");
                ["live", "timeline"].forEach(function (id) {
                  var now = document.getElementById(id), next = fresh.getElementById(id);
                  if (now && next) { now.replaceWith(document.importNode(next, true)); }
                });
                document.body.setAttribute("data-refreshed", String(Date.now()));
              })
              .catch(function () {});
          }
          var source = new EventSource("/api/runs/" + encodeURIComponent(run) + "/events");
          source.addEventListener("journal", function () {
            if (pending === null) { pending = window.setTimeout(refresh, 250); }
          });
        })();
        """#

    /// Plain, readable, printable; state colours match the graph's.
    static let stylesheet = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d232a; background: #f6f7f9; }
        header { display: flex; gap: 1.5em; align-items: center; padding: .6em 1.2em; background: #1f3a5f; color: #fff; }
        header a.brand { color: #fff; font-weight: 600; text-decoration: none; }
        header .who { margin-left: auto; }
        header form.sign-out { margin: 0; }
        main { padding: 1em 1.5em 3em; max-width: 1400px; }
        h1 { font-size: 1.5em; margin: .3em 0 .6em; } h2 { font-size: 1.15em; margin: 1.4em 0 .5em; } h3 { font-size: 1em; margin: 0 0 .3em; }
        a { color: #1553a0; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #e1e4e8; vertical-align: top; }
        th { background: #eef1f4; font-weight: 600; }
        code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .92em; }
        pre.command { background: #0f1720; color: #e6edf3; padding: .5em .7em; border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
        .muted { color: #5f6b76; }
        .notice { background: #e7f3ff; border: 1px solid #9cc3ec; padding: .5em .8em; border-radius: 4px; }
        .problem { background: #fdecea; border: 1px solid #e7a29b; padding: .5em .8em; border-radius: 4px; }
        .badge { background: #5f6b76; color: #fff; border-radius: 3px; padding: 0 .4em; font-size: .85em; }
        .state { border-radius: 3px; padding: .05em .45em; border: 1px solid #9aa4ad; background: #fff; }
        .state.succeeded, .state.observed { background: #d7f0dc; border-color: #2e7d32; }
        .state.failed { background: #fbd9d6; border-color: #c62828; }
        .state.waiting { background: #fff1c7; border-color: #b7860b; }
        .state.blocked { background: #ffe0c2; border-color: #d9640b; }
        .state.running { background: #d6e6fb; border-color: #1565c0; }
        .state.skipped, .state.cancelled { background: #ececec; border-color: #8a8a8a; }
        form.filters { display: flex; flex-wrap: wrap; gap: .6em 1em; align-items: end; background: #fff; padding: .7em; border: 1px solid #e1e4e8; border-radius: 4px; }
        form.filters label, form.action label { display: flex; flex-direction: column; font-size: .9em; color: #3b4650; }
        ul.counts { list-style: none; display: flex; flex-wrap: wrap; gap: .5em; padding: 0; margin: .8em 0; }
        ul.counts a { display: inline-block; padding: .2em .7em; border: 1px solid #c9d0d6; border-radius: 12px; background: #fff; text-decoration: none; }
        ul.counts .count { font-weight: 600; }
        dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; background: #fff; padding: .7em 1em; border: 1px solid #e1e4e8; border-radius: 4px; }
        dl.summary dt { font-weight: 600; } dl.summary dd { margin: 0; }
        .consent { background: #fff8e1; border: 1px solid #e0c060; padding: .6em .9em; border-radius: 4px; }
        .last-error p { background: #fdecea; border: 1px solid #e7a29b; padding: .6em .9em; border-radius: 4px; }
        .graph-scroll { overflow-x: auto; background: #fff; border: 1px solid #e1e4e8; border-radius: 4px; padding: .4em; }
        .action-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: .8em; }
        form.action { background: #fff; border: 1px solid #e1e4e8; border-radius: 4px; padding: .7em; display: flex; flex-direction: column; gap: .4em; }
        form.sign-in { display: flex; flex-direction: column; gap: .6em; max-width: 22em; background: #fff; padding: 1em; border: 1px solid #e1e4e8; border-radius: 4px; }
        form.sign-in label { display: flex; flex-direction: column; }
        input, select, textarea, button { font: inherit; padding: .25em .4em; }
        button { cursor: pointer; }
        nav.paging { margin: .8em 0; display: flex; gap: 1.5em; }
        header nav.site { display: flex; gap: 1em; }
        header nav.site a { color: #dfe9f5; }
        form.filters.bulk textarea { min-width: 14em; }
        form.bulk-apply { margin: .8em 0; max-width: 48em; }
        .outcome { border-radius: 3px; padding: .05em .45em; border: 1px solid #9aa4ad; background: #fff; white-space: nowrap; }
        .outcome.applied, .outcome.would-apply { background: #d7f0dc; border-color: #2e7d32; }
        .outcome.refused, .outcome.would-refuse { background: #ececec; border-color: #8a8a8a; }
        .outcome.failed { background: #fbd9d6; border-color: #c62828; }
        """
}
