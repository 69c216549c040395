package dev.kio.processor;

import java.util.ArrayList;
import java.util.List;

/**
 * Lines of Java code, each known to start inside a text block or not. Shifting copied code left
 * or right is only safe outside text blocks: inside one, the indentation of each line relative to
 * the others is the string's content, and an empty line is part of it. Those lines stay as written.
 */
final class CodeLines {
    private CodeLines() {
    }

    /** One line, without its line break; {@code literal} when it starts inside a text block. */
    record Line(String text, boolean literal) {
    }

    static List<Line> of(String code) {
        List<Line> out = new ArrayList<>();
        boolean textBlock = false;
        char quote = 0; // inside a '...' or "..." literal
        boolean blockComment = false;
        boolean lineComment = false;
        int lineStart = 0;
        boolean startsInTextBlock = false;
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '\n') {
                out.add(new Line(code.substring(lineStart, i), startsInTextBlock));
                lineStart = i + 1;
                startsInTextBlock = textBlock;
                lineComment = false;
                quote = 0;
            } else if (lineComment) {
                continue;
            } else if (blockComment) {
                if (c == '*' && code.startsWith("/", i + 1)) {
                    blockComment = false;
                    i++;
                }
            } else if (textBlock || quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (textBlock && code.startsWith("\"\"\"", i)) {
                    textBlock = false;
                    i += 2;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (code.startsWith("\"\"\"", i)) {
                textBlock = true;
                i += 2;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (code.startsWith("//", i)) {
                lineComment = true;
            } else if (code.startsWith("/*", i)) {
                blockComment = true;
                i++;
            }
        }
        out.add(new Line(code.substring(lineStart), startsInTextBlock));
        return out;
    }

    /** {@code code} with {@code pad} before each line that is neither empty nor inside a text block. */
    static String indent(String code, String pad) {
        List<String> out = new ArrayList<>();
        for (Line l : of(code)) {
            out.add(l.literal() || l.text().isEmpty() ? l.text() : pad + l.text());
        }
        return String.join("\n", out);
    }

    /**
     * {@code code} with up to {@code column} leading spaces taken off each line but the first
     * (which starts at that column in the source) and those inside a text block.
     */
    static String dedent(String code, int column) {
        List<String> out = new ArrayList<>();
        for (Line l : of(code)) {
            String line = l.text();
            int cut = 0;
            while (!out.isEmpty() && !l.literal() && cut < column && cut < line.length() && line.charAt(cut) == ' ') {
                cut++;
            }
            out.add(line.substring(cut));
        }
        return String.join("\n", out);
    }
}
