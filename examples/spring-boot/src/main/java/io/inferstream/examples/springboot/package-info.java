/** A Spring Boot scoring service built on inferstream-spring-boot-starter ({@code bin/example spring-boot}). */
package io.inferstream.examples.springboot;
