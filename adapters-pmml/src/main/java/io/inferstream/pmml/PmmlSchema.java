package io.inferstream.pmml;

import java.net.URL;
import javax.xml.XMLConstants;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import org.xml.sax.SAXException;

/**
 * The PMML 4.4 schema that ships inside JPMML's {@code pmml-model} jar (the standard one plus JPMML's {@code x-}
 * extensions), compiled once per JVM on first use, since compiling it costs a few hundred milliseconds.
 *
 * <p>Thread safety: thread-safe; a {@link Schema} is immutable and may be shared by concurrent loads.
 */
final class PmmlSchema {

    private PmmlSchema() {
    }

    /** Initialisation-on-demand holder: the schema is compiled by the first load that asks for it. */
    private static final class Holder {
        static final Schema SCHEMA = compile();
    }

    /** @return the compiled schema */
    static Schema get() throws SAXException {
        try {
            return Holder.SCHEMA;
        } catch (ExceptionInInitializerError e) {
            throw new SAXException("cannot compile the PMML schema: " + e.getCause(), (Exception) e.getCause());
        }
    }

    private static Schema compile() {
        URL xsd = org.dmg.pmml.PMML.class.getResource("/pmml.xsd");
        if (xsd == null) {
            throw new IllegalStateException("pmml.xsd is missing from the pmml-model jar");
        }
        try {
            SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
            // The schema is self-contained: refuse any external fetch it (or a tampered copy) might ask for.
            factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            return factory.newSchema(xsd);
        } catch (SAXException e) {
            throw new IllegalStateException(e);
        }
    }
}
