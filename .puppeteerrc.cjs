// puppeteer (under whatsapp-web.js) must never download a browser: we use Debian's /usr/bin/chromium.
module.exports = { skipDownload: true };
