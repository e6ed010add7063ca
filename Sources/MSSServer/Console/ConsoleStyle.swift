extension ConsoleAssets {
    /// `/_console/console.css`.
    static let style = #"""
        :root { --ink: #1d2330; --muted: #667085; --line: #e3e6ec; --paper: #f6f7f9; --accent: #1f6feb; --bad: #b42318; --good: #067647; }
        * { box-sizing: border-box; }
        [hidden] { display: none !important; }
        html, body { margin: 0; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); background: var(--paper); }
        code, pre, input, select { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; }
        h1 { font-size: 18px; margin: 0; font-weight: 600; }
        h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 8px; }
        .logo { background: var(--ink); color: #fff; padding: 1px 6px; border-radius: 4px; }
        button, .button { font: inherit; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 6px; padding: 5px 12px; cursor: pointer; display: inline-block; }
        button.quiet, .button.quiet { background: #fff; color: var(--ink); border-color: var(--line); }
        button.danger { background: #fff; color: var(--bad); border-color: #f3c5c0; }
        button.link { background: none; border: none; color: var(--accent); padding: 2px 4px; }
        button:disabled { opacity: .5; cursor: default; }
        input, select { font-size: 13px; border: 1px solid var(--line); border-radius: 6px; padding: 5px 7px; background: #fff; color: var(--ink); }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        .error { color: var(--bad); background: #fef3f2; border: 1px solid #fecdca; border-radius: 6px; padding: 8px 10px; }
        .hint { color: var(--muted); }

        .login-page { display: flex; min-height: 100vh; align-items: center; justify-content: center; }
        .login { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 28px 32px; width: 380px; box-shadow: 0 6px 24px rgba(16, 24, 40, .06); }
        .login form { display: grid; gap: 6px; margin-top: 12px; }
        .login input { padding: 8px; font-size: 14px; }
        .login button { margin-top: 12px; padding: 8px; }

        .top { display: flex; align-items: center; gap: 18px; padding: 10px 20px; background: #fff; border-bottom: 1px solid var(--line); }
        .tabs { display: flex; gap: 4px; }
        .tab { background: none; color: var(--muted); border: none; border-radius: 6px; }
        .tab.active { background: #eef4ff; color: var(--accent); }
        .who { margin-left: auto; color: var(--muted); }
        .notice { margin: 10px 20px 0; padding: 8px 12px; border-radius: 6px; background: #ecfdf3; color: var(--good); border: 1px solid #abefc6; }
        .notice.bad { background: #fef3f2; color: var(--bad); border-color: #fecdca; }
        main { padding: 16px 20px; }

        #view-browse { display: grid; grid-template-columns: 240px 1fr; gap: 16px; align-items: start; }
        .buckets, .objects { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px; }
        .bucket-list { list-style: none; margin: 0 0 12px; padding: 0; }
        .bucket-list button { width: 100%; text-align: left; background: none; color: var(--ink); border: none; padding: 6px 8px; overflow-wrap: anywhere; }
        .bucket-list button.active { background: #eef4ff; color: var(--accent); font-weight: 600; }
        .new-bucket { display: flex; gap: 6px; }
        .new-bucket input { flex: 1; min-width: 0; }
        .toolbar { display: flex; align-items: center; gap: 8px; margin-bottom: 10px; }
        .spacer { flex: 1; }
        .crumbs button { padding: 2px 4px; }
        .crumbs .sep { color: var(--muted); margin: 0 2px; }
        .drop-zone { border: 2px dashed var(--line); border-radius: 8px; padding: 14px; text-align: center; color: var(--muted); margin-bottom: 10px; }
        .objects.dragging .drop-zone { border-color: var(--accent); background: #eef4ff; color: var(--accent); }
        .uploads { list-style: none; padding: 0; margin: 0 0 8px; }
        .uploads li { display: flex; gap: 10px; align-items: center; padding: 3px 0; }
        .uploads progress { width: 160px; }
        .uploads .failed { color: var(--bad); }
        .listing { width: 100%; border-collapse: collapse; }
        .listing th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--line); padding: 6px 8px; }
        .listing td { border-bottom: 1px solid var(--line); padding: 5px 8px; vertical-align: middle; }
        .listing tr:hover td { background: #fafbfc; }
        .listing .num { text-align: right; white-space: nowrap; }
        .listing .date { white-space: nowrap; color: var(--muted); }
        .listing .actions { text-align: right; white-space: nowrap; }
        .listing .name { overflow-wrap: anywhere; }
        .listing .empty td { color: var(--muted); text-align: center; padding: 18px; }
        .folder { font-weight: 600; }

        dialog { border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; width: min(720px, 92vw); }
        dialog::backdrop { background: rgba(16, 24, 40, .35); }
        dialog h3 { margin: 0 0 10px; overflow-wrap: anywhere; }
        dialog table { border-collapse: collapse; width: 100%; }
        dialog td { border-bottom: 1px solid var(--line); padding: 4px 6px; vertical-align: top; overflow-wrap: anywhere; }
        dialog td:first-child { color: var(--muted); white-space: nowrap; width: 1%; }
        .dialog-buttons { text-align: right; margin: 12px 0 0; }
        .link-row { display: flex; gap: 8px; align-items: center; margin: 8px 0; flex-wrap: wrap; }
        .link-out { width: 100%; }

        .pg-top { display: flex; gap: 12px; align-items: end; flex-wrap: wrap; }
        .pg-top label, .pg-builder label { display: flex; flex-direction: column; gap: 3px; color: var(--muted); font-size: 12px; }
        .pg-top .grow { flex: 1; min-width: 260px; }
        .pg-top input { font-size: 15px; padding: 7px 9px; }
        .pg-builder { display: flex; gap: 12px; align-items: end; flex-wrap: wrap; border: 1px solid var(--line); border-radius: 10px; margin: 12px 0; background: #fff; }
        .pg-builder input[type=number] { width: 80px; }
        .pg-builder label:has(input[type=checkbox]) { flex-direction: row; align-items: center; }
        .pg-images { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin: 12px 0; }
        figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 10px; }
        figcaption { font-weight: 600; margin-bottom: 8px; }
        .dims { color: var(--muted); font-weight: 400; margin-left: 6px; }
        .frame { min-height: 160px; display: flex; align-items: center; justify-content: center; background: repeating-conic-gradient(#f0f1f4 0% 25%, #fff 0% 50%) 50% / 20px 20px; border-radius: 6px; overflow: auto; }
        .frame img { max-width: 100%; max-height: 420px; }
        .frame img:not([src]) { display: none; }
        .pg-lines { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; margin: 0; }
        .pg-lines dt { color: var(--muted); font-size: 12px; margin-top: 6px; }
        .pg-lines dd { margin: 2px 0 6px; overflow-wrap: anywhere; }
        .pg-lines pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
        @media (max-width: 800px) { #view-browse, .pg-images { grid-template-columns: 1fr; } }

        """#
}
