/// The page's files, compiled into the server (no files to install beside the binary, no build step for them).
enum WebAssets {
    struct Asset {
        let contentType: String
        let bytes: [UInt8]
    }

    /// The asset served at `path` (without its query), if any.
    static func asset(at path: String) -> Asset? {
        switch path {
        case "/", "/index.html": Asset(contentType: "text/html; charset=utf-8", bytes: PackageResources.index_html)
        case "/app.js": Asset(contentType: "text/javascript; charset=utf-8", bytes: PackageResources.app_js)
        case "/app.css": Asset(contentType: "text/css; charset=utf-8", bytes: PackageResources.app_css)
        default: nil
        }
    }

    /// The page runs only its own script and style and talks only to its own origin; no frame may hold it.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}
