import Testing

@testable import SecureChatWeb

/// The page never turns text into HTML, and runs under its policy without exceptions: nothing inline.
struct WebAssetsTests {
    let script = String(decoding: PackageResources.app_js, as: UTF8.self)
    let page = String(decoding: PackageResources.index_html, as: UTF8.self)

    @Test func theScriptNeverParsesTextAsHTMLOrCode() {
        for word in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(", "srcdoc"] {
            #expect(!script.contains(word), "app.js uses \(word)")
        }
        // Text from the server goes in as text.
        #expect(script.contains("textContent") || script.contains("createTextNode"))
        #expect(script.contains("\"securechat.v1\""))
        #expect(script.contains("/chat"))
    }

    @Test func thePageHasNothingInlineThePolicyWouldBlock() throws {
        #expect(!page.contains("style="))
        #expect(!page.contains("<style"))
        #expect(page.firstMatch(of: /\son[a-z]+=/) == nil, "an inline event handler")
        // Its one script is the file the policy allows; no script body in the page.
        #expect(page.matches(of: /<script/).count == 1)
        #expect(page.contains("<script src=\"/app.js\" defer></script>"))
        #expect(WebAssets.contentSecurityPolicy.hasPrefix("default-src 'none'; script-src 'self'; style-src 'self'"))
    }

    @Test func everyFileHasItsType() {
        #expect(WebAssets.asset(at: "/")?.contentType == "text/html; charset=utf-8")
        #expect(WebAssets.asset(at: "/app.js")?.contentType == "text/javascript; charset=utf-8")
        #expect(WebAssets.asset(at: "/app.css")?.contentType == "text/css; charset=utf-8")
        #expect(WebAssets.asset(at: "/../etc/passwd") == nil)
        #expect(WebAssets.asset(at: "/App.js") == nil)
    }
}
