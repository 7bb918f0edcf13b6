package dev.wisca.sdk.report;

import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.pattern.AttentionStats;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.SampleCheckpoints;
import dev.wisca.sdk.Wisca;
import dev.wisca.rescale.verify.CheckpointVerifier;
import dev.wisca.rescale.verify.VerifyOptions;
import dev.wisca.rescale.verify.VerifyReport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlReportTest {
    @TempDir
    static Path dir;
    static PatternReport before;
    static PatternReport after;

    @BeforeAll
    static void reports() {
        TinyModel m = Fixtures.model("mistral", "default", 7);
        Map<String, double[]> values = Fixtures.values(m);
        before = Fixtures.report(m, Fixtures.write(m, values, dir.resolve("before")));
        after = Fixtures.report(m, Fixtures.write(m, Fixtures.balanced(m, values, Granularity.KV_GROUP), dir.resolve("after")));
    }

    static Document parse(String html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }

    static List<Element> elements(Document d, String tag) {
        NodeList nodes = d.getElementsByTagName(tag);
        return java.util.stream.IntStream.range(0, nodes.getLength()).mapToObj(i -> (Element) nodes.item(i)).toList();
    }

    static String title(Element rect) { return rect.getElementsByTagName("title").item(0).getTextContent(); }

    @Test
    void heatmapsHaveOneCellPerLayerAndKvHeadWithItsRatio() throws Exception {
        Document d = parse(HtmlReport.render(before, after, Optional.empty(), Optional.empty()));
        for (String section : List.of("heatmap-qk", "heatmap-vo")) {
            Element panel = elements(d, "section").stream().filter(s -> s.getAttribute("id").equals(section)).findFirst().orElseThrow();
            List<Element> svgs = java.util.stream.IntStream.range(0, panel.getElementsByTagName("svg").getLength())
                .mapToObj(i -> (Element) panel.getElementsByTagName("svg").item(i)).filter(s -> s.getAttribute("class").equals("heatmap")).toList();
            assertEquals(2, svgs.size(), section);
            for (int which = 0; which < 2; which++) {
                PatternReport r = which == 0 ? before : after;
                NodeList rects = svgs.get(which).getElementsByTagName("rect");
                Set<String> seen = new HashSet<>();
                int layerCells = 0;
                for (int i = 0; i < rects.getLength(); i++) {
                    Element rect = (Element) rects.item(i);
                    int layer = Integer.parseInt(rect.getAttribute("data-layer"));
                    int head = Integer.parseInt(rect.getAttribute("data-head"));
                    AttentionStats a = r.layer(layer).orElseThrow();
                    var balance = section.equals("heatmap-qk") ? a.qk() : a.vo();
                    double expected = head < 0 ? balance.ratio() : balance.groupRatio(head);
                    assertEquals(expected, Double.parseDouble(rect.getAttribute("data-ratio")), 0, section + " " + layer + "/" + head);
                    assertTrue(title(rect).contains("= " + Format.ratio(expected) + " "), title(rect));
                    assertTrue(title(rect).startsWith("layer " + layer + ", "), title(rect));
                    if (rect.getAttribute("class").equals("cell")) assertTrue(seen.add(layer + "/" + head), "duplicate cell");
                    else layerCells++;
                }
                assertEquals(r.attention().size() * a0(r).kvHeads(), seen.size(), section);
                assertEquals(r.attention().size(), layerCells);
            }
        }
    }

    private static AttentionStats a0(PatternReport r) { return r.attention().getFirst(); }

    /** Q/K: q rows of head h over k rows of its KV head; V/O: v rows of the KV head over o columns of h. */
    private static double headRatio(AttentionStats a, boolean qk, int head) {
        int kv = head * a.kvHeads() / a.heads();
        return qk ? a.q().l1()[head] / a.k().l1()[kv] : a.v().l1()[kv] / a.o().l1()[head];
    }

    @Test
    void perQueryHeadMapsHaveOneCellPerLayerAndQueryHeadAgainstItsKvHead() throws Exception {
        assertTrue(a0(before).groupSize() > 1, "fixture is GQA");
        Document d = parse(HtmlReport.render(before, after, Optional.empty(), Optional.empty()));
        for (String pair : List.of("qk", "vo")) {
            Element panel = elements(d, "div").stream().filter(s -> s.getAttribute("id").equals("heads-" + pair)).findFirst().orElseThrow();
            assertTrue(panel.getTextContent().contains("per query head; each query head against its group's KV head"), panel.getTextContent());
            NodeList svgNodes = panel.getElementsByTagName("svg");
            List<Element> svgs = java.util.stream.IntStream.range(0, svgNodes.getLength()).mapToObj(i -> (Element) svgNodes.item(i))
                .filter(s -> s.getAttribute("class").equals("heatmap heads")).toList();
            assertEquals(2, svgs.size(), pair);
            for (int which = 0; which < 2; which++) {
                PatternReport r = which == 0 ? before : after;
                NodeList rects = svgs.get(which).getElementsByTagName("rect");
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < rects.getLength(); i++) {
                    Element rect = (Element) rects.item(i);
                    assertEquals("head-cell", rect.getAttribute("class"));
                    int layer = Integer.parseInt(rect.getAttribute("data-layer"));
                    int head = Integer.parseInt(rect.getAttribute("data-head"));
                    AttentionStats a = r.layer(layer).orElseThrow();
                    double expected = headRatio(a, pair.equals("qk"), head);
                    assertEquals(expected, Double.parseDouble(rect.getAttribute("data-ratio")), 0, pair + " " + layer + "/" + head);
                    assertTrue(title(rect).startsWith("layer " + layer + ", query head " + head + " against KV head "
                        + head * a.kvHeads() / a.heads() + ": "), title(rect));
                    assertTrue(title(rect).contains("= " + Format.ratio(expected) + " "), title(rect));
                    assertTrue(seen.add(layer + "/" + head), "duplicate cell");
                }
                assertEquals(r.attention().size() * a0(r).heads(), seen.size(), pair);
            }
        }
        // a balanced group of equal-norm heads sits at 1/g (Q/K) per head: the after map is not white, and says why
        AttentionStats a = a0(after);
        double sum = 0;
        for (int h = 0; h < a.groupSize(); h++) sum += headRatio(a, true, h);
        assertEquals(a.qk().groupRatio(0), sum, 1e-9);
    }

    @Test
    void perQueryHeadGroupsAreSeparated() throws Exception {
        Document d = parse(HtmlReport.render(before, after, Optional.empty(), Optional.empty()));
        Element svg = elements(d, "svg").stream().filter(s -> s.getAttribute("class").equals("heatmap heads")).findFirst().orElseThrow();
        AttentionStats a = a0(before);
        double[] x = new double[a.heads()];
        double width = 0;
        NodeList rects = svg.getElementsByTagName("rect");
        for (int i = 0; i < rects.getLength(); i++) {
            Element rect = (Element) rects.item(i);
            if (!rect.getAttribute("data-layer").equals("0")) continue;
            x[Integer.parseInt(rect.getAttribute("data-head"))] = Double.parseDouble(rect.getAttribute("x"));
            width = Double.parseDouble(rect.getAttribute("width"));
        }
        for (int h = 1; h < a.heads(); h++) {
            double gap = x[h] - x[h - 1] - width;
            if (h % a.groupSize() == 0) assertTrue(gap > 2, "gap between KV groups before head " + h + ": " + gap);
            else assertEquals(1, gap, 0.11, "no gap inside a KV group at head " + h);
        }
        assertEquals(a.kvHeads(), svg.getElementsByTagName("line").getLength(), "one bracket per KV group");
    }

    @Test
    void balancedAfterMapsAreWhiteAndTheBeforeMapIsNot() throws Exception {
        Document d = parse(HtmlReport.render(before, after, Optional.empty(), Optional.empty()));
        int white = 0, red = 0;
        for (Element rect : elements(d, "rect")) {
            if (!rect.getAttribute("class").equals("cell")) continue;
            double ratio = Double.parseDouble(rect.getAttribute("data-ratio"));
            if (Math.abs(ratio - 1) < 1e-3) {
                assertEquals("#f7f7f7", rect.getAttribute("fill"));
                white++;
            } else if (ratio > 1.5) {
                assertTrue(Integer.parseInt(rect.getAttribute("fill").substring(5, 7), 16) < 0xc0, "red: little blue " + rect.getAttribute("fill"));
                red++;
            }
        }
        // mistral: 2 layers × 2 KV groups, Q/K and V/O: the after maps are white, the before Q/K map red
        assertEquals(8, white);
        assertEquals(4, red);
        assertTrue(after.attention().stream().allMatch(a -> Math.abs(a.qk().groupRatio(0) - 1) < 1e-6), "fixture balanced per group");
    }

    @Test
    void fullReportIsSelfContainedAndShowsPlanAndVerification() throws Exception {
        Path in = SampleCheckpoints.write("qwen3", dir.resolve("q3"), 5);
        Path out = dir.resolve("q3-out");
        RescalePlan plan = Wisca.rescale(in, out, RescaleSettings.paper());
        Path html = dir.resolve("r/report.html");
        HtmlReport.writeSummary(Patterns.of(in), Patterns.of(out), Optional.of(plan),
            Optional.of(new VerifySummary(false, 0.5, 0.01, "1e-3 absolute", "layer 1 differs")), html);
        String page = Files.readString(html);
        Document d = parse(page);
        assertEquals("html", d.getDocumentElement().getTagName());
        Matcher links = Pattern.compile("(?i)\\b(src|href)\\s*=\\s*\"([^\"]*)\"").matcher(page);
        while (links.find()) assertFalse(links.group(2).matches("(?i)\\s*(https?:|//).*"), links.group());
        assertFalse(page.contains("http://") || page.contains("https://"), "no URL at all");
        assertFalse(page.toLowerCase(java.util.Locale.ROOT).contains("<script"));
        assertTrue(elements(d, "svg").stream().anyMatch(s -> s.getAttribute("class").equals("histogram")));
        long bars = elements(d, "rect").stream().filter(r -> r.getAttribute("class").equals("bar")).count();
        assertTrue(bars >= 1);
        long channels = plan.siteScales().values().stream().mapToLong(v -> v.length).sum();
        long counted = elements(d, "rect").stream().filter(r -> r.getAttribute("class").equals("bar"))
            .mapToLong(r -> Long.parseLong(title(r).replaceAll("^[^:]+: (\\d+) channel.*$", "$1"))).sum();
        assertEquals(channels, counted, "every scale in one bar");
        List<String> rows = elements(d, "tr").stream().map(Element::getTextContent).toList();
        for (var skipped : plan.skipped()) assertTrue(rows.stream().anyMatch(t -> t.contains(skipped.id()) && t.contains("skipped")), skipped.id());
        assertTrue(page.contains("FAIL") && page.contains("layer 1 differs"));
    }

    @Test
    void realProbeVerificationIsShown() throws Exception {
        Path in = SampleCheckpoints.write("llama", dir.resolve("l"), 6);
        Path out = dir.resolve("l-out");
        RescalePlan plan = Wisca.rescale(in, out, RescaleSettings.paper());
        VerifyReport verify = CheckpointVerifier.verify(in, out, VerifyOptions.probes());
        assertTrue(verify.equivalent(), verify.summary());
        Path html = dir.resolve("l.html");
        HtmlReport.write(Patterns.of(in), Patterns.of(out), Optional.of(plan), Optional.of(verify), html);
        Document d = parse(Files.readString(html));
        Element panel = elements(d, "section").stream().filter(s -> s.getAttribute("id").equals("verification")).findFirst().orElseThrow();
        assertTrue(panel.getTextContent().contains("PASS"));
        assertTrue(panel.getTextContent().contains(verify.tolerance()));
        assertTrue(panel.getTextContent().contains(Format.number(verify.maxAbs())));
    }

    @Test
    void reportWithoutAttentionStillRenders() throws Exception {
        PatternReport empty = new PatternReport(null, List.of(), "2026-01-01T00:00:00Z", List.of(), List.of(), List.of("no architecture bound"));
        Document d = parse(HtmlReport.render(empty, empty, Optional.empty(), Optional.empty()));
        assertEquals(0, elements(d, "rect").stream().filter(r -> r.getAttribute("class").equals("cell")).count());
        assertTrue(d.getDocumentElement().getTextContent().contains("No Q/K statistics"));
    }
}
