// Adds lock entries for optional platform packages the npm registry reachable here does not serve
// (darwin/win32/android/... builds of @swc/core and unrs-resolver), so `npm ci` accepts the lock.
// Usage: node /tmp/pk-lockfix.cjs path/to/package-lock.json
const fs = require('fs');
const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openharmony'];
const CPU = ['arm64', 'x64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64'];
let added = 0;
for (const entry of Object.values({ ...lock.packages })) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key]) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((p) => OS.includes(p));
    const cpu = parts.map((p) => p.replace(/eabihf|eabi/, '')).find((p) => CPU.includes(p));
    const stub = { version, optional: true };
    if (cpu) stub.cpu = [cpu];
    if (os) stub.os = [os];
    if (/musl/.test(name)) stub.libc = ['musl'];
    else if (/gnu/.test(name)) stub.libc = ['glibc'];
    lock.packages[key] = stub;
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} optional platform entries to ${file}`);
