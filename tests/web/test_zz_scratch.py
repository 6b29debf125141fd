from tests.web.support import Widget, DESKTOP
from playwright.sync_api import expect

def test_scratch(open_server, browser, artifacts):
    ctx = browser.new_context(viewport=DESKTOP, device_scale_factor=2)
    page = ctx.new_page()
    w = Widget(page, open_server.url).visit().open()
    w.ask("ATM什麼時候可以領6000")
    expect(w.log.locator(".hl-kind--answer")).to_have_count(1)
    for q in ["我家的貓可以領嗎", "領錢", "我要問補助", "6000"]:
        w.ask(q)
        page.wait_for_timeout(800)
    print(w.log.inner_text())
    page.locator(".hl-composer").screenshot(path="/tmp/composer.png")
    page.locator(".hl-launcher").screenshot(path="/tmp/launcher.png")
    print(page.evaluate("getComputedStyle(document.querySelector('.hl-send')).color + ' ' + getComputedStyle(document.querySelector('.hl-send')).opacity+ ' ' + getComputedStyle(document.querySelector('.hl-launcher')).color"))
    ctx.close()
