// Fails fast with a clear message when the suite is started under a Node older than 24.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`aiws needs Node 24 (found ${process.version}): run "npm install", which provides it in node_modules/.bin`);
  process.exit(1);
}
