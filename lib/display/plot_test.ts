import assert from "node:assert/strict";
import {
  barChart,
  CAPTION_LINE_CHARACTERS,
  captionOf,
  type ChartOptions,
  figureBundle,
  lineChart,
  logAxes,
  type Series,
  withoutCaption,
  wrapWords,
} from "./plot.ts";

const options: ChartOptions = {
  title: "Speedup by workers",
  xTitle: "workers (count)",
  yTitle: "speedup (×)",
  referenceLine: { y: 1, label: "no speedup" },
  caption: "Past 4 workers the speedup flattens.",
};
const series: Series[] = [
  { name: "sum", x: [1, 2, 4, 8], y: [1, 1.9, 3.6, 4.1] },
  { name: "sort", x: [1, 2, 4, 8], y: [1, 1.5, 2.2, 2.4] },
];

Deno.test("lineChart() makes one trace per series plus a dashed reference line across the x range", () => {
  const figure = lineChart(series, options);
  assert.equal(figure.data.length, 3);
  assert.deepEqual(figure.data.map((trace) => trace.name), [
    "sum",
    "sort",
    "no speedup",
  ]);
  assert.equal(figure.data[0].type, "scatter");
  assert.equal(figure.data[0].mode, "lines+markers");
  const reference = figure.data[2];
  assert.deepEqual(reference.x, [1, 8]);
  assert.deepEqual(reference.y, [1, 1]);
  assert.deepEqual(reference.line, { dash: "dash", color: "#888", width: 1.5 });
});

Deno.test("lineChart() puts the title, axis labels and caption in the layout", () => {
  const { layout } = lineChart(series, options);
  assert.deepEqual(layout.title, { text: "Speedup by workers" });
  assert.deepEqual((layout.xaxis as { title: unknown }).title, {
    text: "workers (count)",
  });
  assert.deepEqual((layout.yaxis as { title: unknown }).title, {
    text: "speedup (×)",
  });
  assert.equal(
    (layout.annotations as { text: string }[])[0].text,
    options.caption,
  );
});

Deno.test("lineChart() wraps a long caption into lines that fit, below the legend, and grows the figure to hold them", () => {
  const caption = "word ".repeat(60).trim();
  const short = lineChart(series, options);
  const long = lineChart(series, { ...options, caption });
  const annotation = (long.layout.annotations as {
    text: string;
    yshift: number;
  }[])[0];
  const lines = annotation.text.split("<br>");
  assert.equal(lines.length, 4);
  for (const line of lines) {
    assert.ok(line.length <= CAPTION_LINE_CHARACTERS, line);
  }
  assert.equal(lines.join(" "), caption);
  assert.equal(captionOf(long), caption);
  const legendTop = -(long.layout.legend as { y: number }).y * 300;
  assert.ok(
    -annotation.yshift > legendTop,
    "the caption starts below the legend",
  );
  const heightOf = (figure: typeof long) => figure.layout.height as number;
  assert.ok(heightOf(long) > heightOf(short));
  assert.equal(
    (long.layout.margin as { b: number }).b -
      (short.layout.margin as { b: number }).b,
    heightOf(long) - heightOf(short),
  );
});

Deno.test("withoutCaption() drops the caption and the room it took", () => {
  const figure = lineChart(series, options);
  const bare = withoutCaption(figure);
  assert.equal(captionOf(bare), undefined);
  assert.equal(bare.layout.annotations, undefined);
  assert.ok((bare.layout.height as number) < (figure.layout.height as number));
  assert.equal(captionOf(figure), options.caption);
});

Deno.test("wrapWords() breaks at spaces and gives an overlong word a line of its own", () => {
  assert.deepEqual(wrapWords("aa bb cc", 5), ["aa bb", "cc"]);
  assert.deepEqual(wrapWords("a verylongword b", 4), [
    "a",
    "verylongword",
    "b",
  ]);
  assert.deepEqual(wrapWords("  spaced   out  ", 20), ["spaced out"]);
  assert.deepEqual(wrapWords("", 5), []);
});

Deno.test("barChart() groups bars on a category axis and spans the reference line over the categories", () => {
  const figure = barChart(
    [{ name: "median", x: ["loop", "reduce", "map"], y: [10, 14, 30] }],
    {
      title: "Sum",
      xTitle: "method",
      yTitle: "time (ms)",
      referenceLine: { y: 12, label: "budget" },
    },
  );
  assert.equal(figure.data[0].type, "bar");
  assert.equal(figure.layout.barmode, "group");
  assert.equal((figure.layout.xaxis as { type: string }).type, "category");
  assert.deepEqual(figure.data[1].x, [0, 1]);
  assert.equal(figure.data[1].xaxis, "x2");
  assert.deepEqual(figure.layout.xaxis2, {
    overlaying: "x",
    range: [0, 1],
    visible: false,
  });
});

Deno.test("figureBundle() has the plotly JSON, offline HTML and a text table", () => {
  const figure = lineChart(series, options);
  const bundle = figureBundle(figure);
  assert.deepEqual(Object.keys(bundle), [
    "application/vnd.plotly.v1+json",
    "text/html",
    "text/plain",
  ]);
  assert.equal(bundle["application/vnd.plotly.v1+json"], figure);
  const html = bundle["text/html"];
  assert.match(html, /src = candidates\[i\]/);
  assert.match(html, /\["vendor\/plotly\.min\.js"\]/);
  assert.match(html, /if \(window\.Plotly\) \{ draw\(\); return; \}/);
  assert.match(
    html,
    /Plotly\.newPlot\(div, figure\.data, figure\.layout, figure\.config\)/,
  );
  assert.doesNotMatch(html, /https?:\/\/cdn/);
  assert.equal(
    bundle["text/plain"],
    [
      "Speedup by workers",
      "y: speedup (×)",
      "",
      "workers (count) | sum | sort",
      "--------------- | --- | ----",
      "              1 |   1 |    1",
      "              2 | 1.9 |  1.5",
      "              4 | 3.6 |  2.2",
      "              8 | 4.1 |  2.4",
      "",
      "Reference line: speedup (×) = 1 (no speedup)",
      "",
      "Past 4 workers the speedup flattens.",
    ].join("\n"),
  );
});

Deno.test("figureBundle() with a picture shows it in an <img> the script replaces, instead of the placeholder", () => {
  const figure = lineChart(series, options);
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>é</text></svg>';
  const html = figureBundle(figure, { picture: svg })["text/html"];
  const match = html.match(
    /<img src="data:image\/svg\+xml;base64,([^"]+)" alt="Chart: Speedup by workers" width="800">/,
  );
  assert.ok(match, html.slice(0, 300));
  const bytes = Uint8Array.from(atob(match[1]), (c) => c.charCodeAt(0));
  assert.equal(new TextDecoder().decode(bytes), svg);
  assert.doesNotMatch(html, /when scripts may run/);
  assert.match(figureBundle(figure)["text/html"], /when scripts may run/);
  assert.match(html, /div\.textContent = "";/);
});

Deno.test("figureBundle() rejects a picture that is not an SVG document, naming it", () => {
  assert.throws(
    () => figureBundle(lineChart(series, options), { picture: "<p>no</p>" }),
    {
      name: "TypeError",
      message:
        "Cannot make a figure bundle: 'picture' must be an SVG document, received \"<p>no</p>\"",
    },
  );
});

Deno.test("figureBundle() escapes '</script>' in labels so the HTML stays one script", () => {
  const bundle = figureBundle(lineChart(
    [{ name: "</script><b>x", x: [1], y: [1] }],
    { title: "t", xTitle: "n (count)", yTitle: "t (ms)" },
  ));
  assert.equal(bundle["text/html"].split("</script>").length, 2);
});

Deno.test("figureBundle() displays itself as a cell's last value", () => {
  const bundle = figureBundle(lineChart(series, options)) as unknown as Record<
    symbol,
    () => object
  >;
  const shown = bundle[Symbol.for("Jupyter.display")]();
  assert.deepEqual(Object.keys(shown).length, 3);
});

Deno.test("lineChart() rejects series whose x and y lengths differ, naming the lengths", () => {
  assert.throws(
    () => lineChart([{ name: "sum", x: [1, 2, 3], y: [1, 2] }], options),
    (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /series "sum" has 3 x values but 2 y values/);
      return true;
    },
  );
});

Deno.test("lineChart() rejects bad shapes and labels, naming the value", async (t) => {
  const cases: [string, () => unknown, ErrorConstructor, RegExp][] = [
    [
      "empty series",
      () => lineChart([], options),
      RangeError,
      /received 0 series/,
    ],
    [
      "not an array",
      () => lineChart({} as never, options),
      TypeError,
      /'series' must be an array/,
    ],
    [
      "y not finite",
      () => lineChart([{ name: "a", x: [1], y: [NaN] }], options),
      TypeError,
      /not a finite number: NaN/,
    ],
    [
      "y title without unit",
      () => lineChart(series, { ...options, yTitle: "speedup" }),
      TypeError,
      /'yTitle' must end with a unit in parentheses, e\.g\. "time \(ms\)", received "speedup"/,
    ],
    [
      "numeric x title without unit",
      () => lineChart(series, { ...options, xTitle: "workers" }),
      TypeError,
      /'xTitle' .* received "workers"/,
    ],
    [
      "bad reference line",
      () =>
        lineChart(series, { ...options, referenceLine: { y: "1" } as never }),
      TypeError,
      /'referenceLine' must be/,
    ],
    [
      "bad figure",
      () => figureBundle({} as never),
      TypeError,
      /'figure' must be/,
    ],
  ];
  for (const [name, run, type, message] of cases) {
    await t.step(name, () => {
      assert.throws(run, (error: Error) => {
        assert.ok(error instanceof type, `${name}: ${error}`);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

Deno.test("logAxes() makes both axes logarithmic without touching the input", () => {
  const figure = lineChart([{ name: "a", x: [1, 10], y: [2, 20] }], {
    title: "t",
    xTitle: "size (bytes)",
    yTitle: "time (ms)",
  });
  const logged = logAxes(figure);
  assert.equal((logged.layout.xaxis as { type?: string }).type, "log");
  assert.equal((logged.layout.yaxis as { type?: string }).type, "log");
  assert.equal(
    (logged.layout.yaxis as { rangemode?: string }).rangemode,
    undefined,
  );
  assert.equal((figure.layout.yaxis as { type?: string }).type, undefined);
  const onlyY = logAxes(figure, ["y"]);
  assert.equal((onlyY.layout.xaxis as { type?: string }).type, undefined);
});
