// The consumer of notebook 06's queue between processes: it reads lines
// "item N" from its stdin until the stdin closes, then prints one JSON line
// saying how many items it read and the sum of their numbers.
let items = 0;
let sum = 0;
let partial = "";
for await (
  const text of Deno.stdin.readable.pipeThrough(new TextDecoderStream())
) {
  const lines = (partial + text).split("\n");
  partial = lines.pop()!; // the last piece may be the start of a line
  for (const line of lines) {
    items++;
    sum += Number(line.slice("item ".length));
  }
}
console.log(JSON.stringify({ items, sum }));
