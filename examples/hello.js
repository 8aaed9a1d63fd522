// The smallest aiws workflow: greets `input.name`, logging as it goes.
// Run it with: npx aiws run examples/hello.js --input '{"name":"Ada"}'
export default async function hello(input, ctx) {
  const name = typeof input?.name === 'string' ? input.name : 'world';
  ctx.log(`Greeting ${name}`, { name });
  return { greeting: `Hello, ${name}!` };
}
