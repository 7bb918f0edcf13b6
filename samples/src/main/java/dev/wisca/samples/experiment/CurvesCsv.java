package dev.wisca.samples.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads back curves.csv and events.csv (as {@link ResultFiles} writes them) to redraw the plot and summary without retraining. */
final class CurvesCsv {
    private CurvesCsv() {}

    static List<Curves.Run> read(Path dir) {
        try {
            Map<String, List<Curves.Point>> points = new LinkedHashMap<>();
            for (String line : Files.readAllLines(dir.resolve("curves.csv")).subList(1, Files.readAllLines(dir.resolve("curves.csv")).size())) {
                String[] f = line.split(",");
                Curves.Point p = new Curves.Point(f[0], Integer.parseInt(f[1]), f[2], Long.parseLong(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[6]));
                points.computeIfAbsent(p.arm() + "#" + p.seed(), k -> new ArrayList<>()).add(p);
            }
            Map<String, List<Curves.Event>> events = new LinkedHashMap<>();
            List<String> eventLines = Files.readAllLines(dir.resolve("events.csv"));
            for (String line : eventLines.subList(1, eventLines.size())) {
                String[] q = line.split("\"");
                String[] f = q[0].split(",");
                Curves.Event e = new Curves.Event(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), Double.parseDouble(f[3]),
                    Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]), Integer.parseInt(f[7]), q[1], q[3]);
                events.computeIfAbsent(e.arm() + "#" + e.seed(), k -> new ArrayList<>()).add(e);
            }
            List<Curves.Run> runs = new ArrayList<>();
            for (var e : points.entrySet()) {
                List<Curves.Point> ps = e.getValue();
                List<Curves.Point> train = ps.stream().filter(p -> p.split().equals("train")).toList();
                List<Curves.Point> val = ps.stream().filter(p -> p.split().equals("val")).toList();
                int tail = TrainingRun.tail(train.size());
                double trainTail = train.subList(train.size() - tail, train.size()).stream().mapToDouble(Curves.Point::loss).average().orElse(Double.NaN);
                Curves.Point last = ps.get(ps.size() - 1);
                runs.add(new Curves.Run(last.arm(), last.seed(), ps, events.getOrDefault(e.getKey(), List.of()), last.seconds(),
                    trainTail, val.get(val.size() - 1).loss()));
            }
            return runs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
