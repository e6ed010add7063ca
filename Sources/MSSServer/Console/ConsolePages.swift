import S3Protocol

/// The console's two HTML pages. Neither holds script or style inline (the Content-Security-
/// Policy forbids both); the login page holds no data at all, and the console page only the
/// signed-in user's name and the session's CSRF token, which its script reads.
enum ConsolePages {
    static func login(message: String?) -> String {
        let error = message.map { #"<p class="error" id="login-error" role="alert">\#(HTMLText.escape($0))</p>"# } ?? ""
        return #"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · mss console</title>
            <link rel="stylesheet" href="/_console/console.css">
            </head>
            <body class="login-page">
            <main class="login">
            <h1><span class="logo">mss</span> console</h1>
            <p class="hint">Sign in with this server's access key and secret key (the ones mss-server printed, or a line of its <code>--users</code> file).</p>
            \#(error)
            <form method="post" action="/_console/login" id="login-form">
            <label for="access_key">Access key</label>
            <input id="access_key" name="access_key" autocomplete="username" spellcheck="false" required autofocus>
            <label for="secret_key">Secret key</label>
            <input id="secret_key" name="secret_key" type="password" autocomplete="current-password" required>
            <button type="submit" id="login-submit">Sign in</button>
            </form>
            </main>
            </body>
            </html>

            """#
    }

    static func app(session: ConsoleSession, imageOrigin: String?, imageServiceRuns: Bool) -> String {
        let name = HTMLText.escape(session.user.displayName)
        let accessKey = HTMLText.escape(session.user.accessKey)
        return #"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>mss console</title>
            <link rel="stylesheet" href="/_console/console.css">
            <script src="/_console/console.js" defer></script>
            </head>
            <body data-csrf="\#(HTMLText.escape(session.csrfToken))" data-access-key="\#(accessKey)" data-image-origin="\#(HTMLText.escape(imageOrigin ?? ""))" data-image-service="\#(imageServiceRuns ? "on" : "off")">
            <header class="top">
            <h1><span class="logo">mss</span> console</h1>
            <nav class="tabs" role="tablist">
            <button type="button" class="tab active" data-view="browse" id="tab-browse">Buckets</button>
            <button type="button" class="tab" data-view="playground" id="tab-playground">Image playground</button>
            </nav>
            <span class="who">Signed in as <b id="who">\#(name)</b></span>
            <button type="button" id="logout" class="quiet">Sign out</button>
            </header>
            <div id="notice" class="notice" role="status" hidden></div>
            <main>
            <section id="view-browse" class="view">
            <aside class="buckets">
            <h2>Buckets</h2>
            <ul id="bucket-list" class="bucket-list"></ul>
            <form id="new-bucket" class="new-bucket">
            <input id="new-bucket-name" name="name" placeholder="new-bucket-name" spellcheck="false" required minlength="3" maxlength="63">
            <button type="submit">Create</button>
            </form>
            </aside>
            <div class="objects" id="objects-panel">
            <div class="toolbar">
            <nav id="crumbs" class="crumbs"></nav>
            <span class="spacer"></span>
            <label class="button" for="file-input">Upload files…</label>
            <input type="file" id="file-input" class="visually-hidden" multiple>
            <button type="button" id="refresh" class="quiet">Refresh</button>
            </div>
            <div id="drop-zone" class="drop-zone">Drop files here to upload them to <b id="drop-target">—</b></div>
            <ul id="uploads" class="uploads"></ul>
            <table class="listing">
            <thead><tr><th>Name</th><th class="num">Size</th><th>Last modified</th><th class="actions"></th></tr></thead>
            <tbody id="objects"><tr class="empty"><td colspan="4">Choose a bucket.</td></tr></tbody>
            </table>
            <button type="button" id="more" class="quiet" hidden>Load more</button>
            </div>
            </section>
            <section id="view-playground" class="view" hidden>
            <div class="pg-top">
            <label>Bucket <select id="pg-bucket"></select></label>
            <label>Image <select id="pg-key"></select></label>
            <label class="grow">Process string <input id="pg-process" spellcheck="false" autocomplete="off" placeholder="100w_100h_1e_1c|30r"></label>
            <button type="button" id="pg-render">Render</button>
            </div>
            <fieldset class="pg-builder">
            <legend>Build one</legend>
            <label>Width <input id="pg-width" type="number" min="1" max="4096"></label>
            <label>Height <input id="pg-height" type="number" min="1" max="4096"></label>
            <label>Fit <select id="pg-mode"><option value="">—</option><option value="0">0e long edge</option><option value="1">1e short edge</option><option value="2">2e exact</option><option value="4">4e pad</option></select></label>
            <label><input id="pg-crop" type="checkbox"> 1c centre crop</label>
            <label>Rotate <input id="pg-rotate" type="number" min="0" max="360"></label>
            <label>Quality <input id="pg-quality" type="number" min="1" max="100"></label>
            <label>Format <select id="pg-format"><option value="">as source</option><option>jpg</option><option>png</option><option>webp</option><option>gif</option><option>bmp</option></select></label>
            <button type="button" id="pg-build" class="quiet">Use these</button>
            </fieldset>
            <p id="pg-error" class="error" role="alert" hidden></p>
            <div class="pg-images">
            <figure><figcaption>Original <span id="pg-original-size" class="dims"></span></figcaption><div class="frame"><img id="pg-original" alt="the original image"></div></figure>
            <figure><figcaption>Rendered <span id="pg-rendered-size" class="dims"></span></figcaption><div class="frame"><img id="pg-rendered" alt="the rendered image"></div></figure>
            </div>
            <dl class="pg-lines">
            <dt>Image URL (presigned, 5 minutes)</dt><dd><code id="pg-url"></code></dd>
            <dt>mss command line</dt><dd><code id="pg-cli"></code></dd>
            <dt>Swift SDK</dt><dd><pre id="pg-sdk"></pre></dd>
            </dl>
            </section>
            </main>
            <dialog id="details">
            <div id="details-body"></div>
            <p class="dialog-buttons"><button type="button" id="details-close" class="quiet">Close</button></p>
            </dialog>
            </body>
            </html>

            """#
    }
}
