// Prints every property of the file named by args[0] as java.util.Properties.load(InputStream)
// reads it (ISO 8859-1, as Gradle's GUtil.loadProperties reads gradle.properties), one line each,
// sorted by key: key<TAB>value, every character outside printable ASCII as a backslash, u and
// four hex digits.
// Run as a single-file program: java Load.java FILE (tests/e2e/test_gradle.py).
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Properties;
import java.util.TreeSet;

public class Load {
    public static void main(String[] args) throws Exception {
        Properties properties = new Properties();
        try (InputStream in = new FileInputStream(args[0])) {
            properties.load(in);
        }
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            System.out.println(escape(key) + "\t" + escape(properties.getProperty(key)));
        }
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(String.format("\\u%04X", (int) c));
            }
        }
        return out.toString();
    }
}
