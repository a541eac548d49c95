// Opens each printable report in headless Chromium and fails when the page logs a
// console error, throws, loads something that fails, or misses a section it declares.
//
// Usage: BASE_URL=http://127.0.0.1:18089 TRUSTPLAN_ADMIN_TOKEN=<admin JWT> node check-reports.mjs /path...
//   CHROMIUM  the browser to drive (default /usr/bin/chromium; Playwright downloads none)
//
// A report declares its sections on <body data-sections="a b c">; each needs a visible
// <section data-section="a"> with a non-empty <h2>, and no other section[data-section]
// may appear. <body data-expect-charts="true"> also requires at least one <svg>.
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL?.replace(/\/$/, '');
const token = process.env.TRUSTPLAN_ADMIN_TOKEN;
const paths = process.argv.slice(2);
if (!base || !token || paths.length === 0) {
    console.error('usage: BASE_URL=... TRUSTPLAN_ADMIN_TOKEN=... node check-reports.mjs /report/path...');
    process.exit(2);
}
const origin = new URL(base).origin;

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const browser = await chromium.launch({
    executablePath,
    // CI runs as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--headless=new'],
}).catch((e) => {
    console.error(`could not start Chromium (${executablePath}): ${e.message.split('\n')[0]}`);
    process.exit(1);
});

// Pushes what is wrong with the loaded report's sections onto problems; returns the
// ids of the sections that are fine.
async function checkSections(page, problems) {
    const found = [];
    const body = page.locator('body');
    const declared = (await body.getAttribute('data-sections'))?.split(/\s+/).filter(Boolean) ?? [];
    if (declared.length === 0) problems.push('<body> declares no data-sections');
    for (const id of declared) {
        const section = page.locator(`section[data-section=${JSON.stringify(id)}]`);
        const count = await section.count();
        if (count !== 1) {
            problems.push(`section "${id}": ${count === 0 ? 'missing' : `${count} of them`}`);
        } else if (!(await section.isVisible())) {
            problems.push(`section "${id}": not visible`);
        } else if ((await section.locator('h2').count()) === 0 || !(await section.locator('h2').first().innerText()).trim()) {
            problems.push(`section "${id}": no <h2> with text`);
        } else {
            found.push(id);
        }
    }
    const present = await page.locator('section[data-section]').evaluateAll((all) => all.map((s) => s.dataset.section));
    if (present.length !== declared.length) {
        const undeclared = present.filter((id) => !declared.includes(id));
        problems.push(`${present.length} section[data-section] on the page, ${declared.length} declared` +
            (undeclared.length ? ` (undeclared: ${undeclared.join(', ')})` : ''));
    }
    if ((await body.getAttribute('data-expect-charts')) === 'true' && (await page.locator('svg').count()) === 0) {
        problems.push('data-expect-charts="true" but no <svg> on the page');
    }
    return found;
}

async function check(path) {
    const problems = [];
    const consoleErrors = [];
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
    // The token goes to the service only, never to another origin a report might
    // link; Accept asks the report for its HTML rather than its JSON.
    await page.route('**/*', (route, request) => {
        if (new URL(request.url()).origin !== origin) return route.continue();
        const headers = { ...request.headers(), authorization: `Bearer ${token}` };
        if (request.isNavigationRequest()) headers.accept = 'text/html';
        return route.continue({ headers });
    });

    let found = [];
    try {
        // networkidle: charts drawn by script after load must have had their chance to fail.
        const response = await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
        const status = response?.status();
        const type = response?.headers()['content-type'] ?? '';
        if (status !== 200) problems.push(`status ${status}, expected 200`);
        else if (!type.startsWith('text/html')) problems.push(`content-type "${type}", expected text/html`);
        else found = await checkSections(page, problems);
    } catch (e) {
        problems.push(`could not check the page: ${e.message.split('\n')[0]}`);
    } finally {
        await page.close();
    }
    problems.push(...consoleErrors.map((text) => `console error: ${text}`));

    const ok = problems.length === 0;
    console.log(`${ok ? 'PASS' : 'FAIL'} ${path}: sections ${found.join(' ') || '(none)'}; console errors: ${consoleErrors.length}`);
    for (const p of problems) console.log(`    ${p}`);
    return ok;
}

let failed = 0;
try {
    for (const path of paths) if (!(await check(path))) failed++;
} finally {
    await browser.close();
}
console.log(`reports: ${paths.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
