package dev.kio.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Which lines of copied code may be re-indented: all but those inside a text block. */
class CodeLinesTest {
    @Test
    void linesInsideATextBlockAreKeptAsWrittenAndOthersShift() {
        String code = String.join("\n",
                "s = \"\"\"",
                "  a \\\"\"\" still inside",
                "",
                "\"\"\" + '\"' + \"\\\"\"; // \"\"\" in a comment",
                "/* \"\"\" in a block comment",
                "*/ t = 1;");
        assertEquals(List.of(false, true, true, true, false, false), CodeLines.of(code).stream().map(CodeLines.Line::literal).toList());
        assertEquals(String.join("\n",
                "    s = \"\"\"",
                "  a \\\"\"\" still inside",
                "",
                "\"\"\" + '\"' + \"\\\"\"; // \"\"\" in a comment",
                "    /* \"\"\" in a block comment",
                "    */ t = 1;"), CodeLines.indent(code, "    "));
        assertEquals("x = \"\"\"\n a\n  \"\"\";\ny();", CodeLines.dedent("x = \"\"\"\n a\n  \"\"\";\n    y();", 4));
    }
}
